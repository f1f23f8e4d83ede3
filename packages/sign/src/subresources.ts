/**
 * V1 signed sub-resources (oss-signature.md §3.2): the union of the Go v2, oss2 and Java SDK
 * whitelists; every `x-oss-*` query name is signed as well (Go rule). The verifier also uses
 * this list for the ali-oss V4 quirk form (alioss-wire/README.md §3.2 quirk 1: ali-oss signs
 * its empty sub-resources as a bare name).
 */
const NAMES =
  // Go v2 requiredSignedParametersMap
  'acl bucketInfo location stat delete append tagging objectMeta uploads uploadId partNumber security-token position ' +
  'response-content-type response-content-language response-expires response-cache-control response-content-disposition ' +
  'response-content-encoding restore callback callback-var versions versioning versionId sequential continuation-token ' +
  'regionList cloudboxes symlink ' +
  // oss2 _subresource_key_set (its other x-oss-* names are covered by the prefix rule; x-oss-process
  // is listed because ali-oss puts it in `subres`, which matters for the V4 quirk form)
  'logging group link website objectInfo cors lifecycle qos referer live comp status vod startTime endTime encryption ' +
  'policy requestPayment qosInfo asyncFetch inventory inventoryId worm wormId wormExtend replication replicationLocation ' +
  'replicationProgress transferAcceleration cname metaQuery resourceGroup style styleName bucketArchiveDirectRead ' +
  'httpsConfig redundancyTransition accessPoint accessPointPolicy publicAccessBlock requesterQosInfo qosRequester ' +
  'resourcePoolInfo resourcePool resourcePoolBuckets x-oss-process ' +
  // Java SIGNED_PARAMTERS
  'img processConfiguration udf udfName udfImage udfImageDesc udfApplication udfApplicationLog vpcip vip policyStatus seal';

export const SUBRESOURCES: ReadonlySet<string> = /* @__PURE__ */ new Set(/* @__PURE__ */ NAMES.split(' '));

/** Is this query parameter part of the V1 CanonicalizedResource? */
export function isV1Subresource(name: string): boolean {
  return SUBRESOURCES.has(name) || name.startsWith('x-oss-');
}
