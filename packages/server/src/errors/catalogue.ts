/**
 * The one error catalogue: OSS error code → HTTP status → default message → default EC.
 *
 * Messages and ECs come from the OSS documentation and captured responses where they could be
 * checked (oss-signature.md §4.2, the OSS per-EC troubleshooting pages); `verified: false`
 * marks an EC Pail had to choose (docs/compatibility.md, "Error codes"). OSS itself says
 * clients must not depend on the EC (style-anchors.md, "OSS deltas"), so a wrong guess is
 * cosmetic; the code and status are what SDKs act on.
 *
 * A call site may override the message and the EC for a more specific cause (InvalidArgument
 * has dozens), never the status: one code, one status.
 */

export interface CatalogueEntry {
  readonly status: number;
  readonly message: string;
  readonly ec: string;
  /** false: the EC (or the status) is Pail's choice, not observed from OSS. */
  readonly verified: boolean;
}

export const CATALOGUE = {
  AccessDenied: {
    status: 403,
    message: 'You have no right to access this object because of bucket acl.',
    ec: '0003-00000001',
    verified: false,
  },
  /** A CORS preflight (OptionObject) that no rule allows; OSS's wording, misspellings included. */
  AccessForbidden: {
    status: 403,
    message:
      "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Requet-Headers are not whitelisted by the resource's CORS spec.",
    ec: '0034-00000101',
    verified: false,
  },
  BucketAlreadyExists: {
    status: 409,
    message:
      'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
    ec: '0015-00000104',
    verified: false,
  },
  BucketNotEmpty: { status: 409, message: 'The bucket has objects. Please delete them first.', ec: '0015-00000301', verified: true },
  EntityTooLarge: {
    status: 400,
    message: 'Your proposed upload exceeds the maximum allowed size.',
    ec: '0016-00000201',
    verified: false,
  },
  EntityTooSmall: {
    status: 400,
    message: 'Your proposed upload smaller than the minimum allowed size.',
    ec: '0042-00000001',
    verified: false,
  },
  FileAlreadyExists: {
    status: 409,
    message: 'The object you specified already exists and can not be overwritten.',
    ec: '0026-00000201',
    verified: true,
  },
  IncompleteBody: {
    status: 400,
    message: 'You did not provide the number of bytes specified by the Content-Length HTTP header.',
    ec: '0016-00000206',
    verified: false,
  },
  InternalError: { status: 500, message: 'We encountered an internal error. Please try again.', ec: '0000-00000001', verified: false },
  InvalidAccessKeyId: {
    status: 403,
    message: 'The OSS Access Key Id you provided does not exist in our records.',
    ec: '0002-00000003',
    verified: true,
  },
  InvalidArgument: { status: 400, message: 'Invalid Argument.', ec: '0016-00000101', verified: false },
  InvalidBucketName: { status: 400, message: 'The specified bucket is not valid.', ec: '0015-00000001', verified: true },
  InvalidDigest: { status: 400, message: 'The Content-MD5 you specified was invalid.', ec: '0017-00000502', verified: true },
  InvalidObjectName: { status: 400, message: 'The specified object is not valid.', ec: '0016-00000002', verified: true },
  InvalidPart: {
    status: 400,
    message: 'One or more of the specified parts could not be found or the specified entity tag might not have matched the part\'s entity tag.',
    ec: '0042-00000003',
    verified: false,
  },
  InvalidPolicyDocument: {
    status: 400,
    message: 'Invalid Policy: the policy document is not valid.',
    ec: '0006-00000220',
    verified: false,
  },
  InvalidPartOrder: {
    status: 400,
    message: 'The list of parts was not in ascending order. Parts list must specified in order by part number.',
    ec: '0042-00000004',
    verified: false,
  },
  InvalidTag: {
    status: 400,
    message: 'The tag provided was not a valid tag.',
    ec: '0010-00000217',
    verified: false,
  },
  /** A symlink's target is itself a symlink (OSS does not chain links). */
  InvalidTargetType: {
    status: 400,
    message: 'The symbolic link target object type is not supported.',
    ec: '0026-00000013',
    verified: false,
  },
  InvalidRange: { status: 416, message: 'The requested range cannot be satisfied', ec: '0016-00000110', verified: false },
  InvalidSecurityToken: { status: 403, message: 'The security token you provided is invalid.', ec: '0002-00000005', verified: false },
  InvalidURI: { status: 400, message: "Couldn't parse the specified URI.", ec: '0016-00000102', verified: false },
  MalformedXML: {
    status: 400,
    message: 'The XML you provided was not well-formed or did not validate against our published schema.',
    ec: '0016-00000608',
    verified: true,
  },
  MalformedPOSTRequest: {
    status: 400,
    message: 'The body of your POST request is not well-formed multipart/form-data.',
    ec: '0006-00000001',
    verified: false,
  },
  MethodNotAllowed: {
    status: 405,
    message: 'The specified method is not allowed against this resource.',
    ec: '0016-00000103',
    verified: false,
  },
  MissingArgument: { status: 400, message: 'Missing Some Required Arguments.', ec: '0016-00000502', verified: true },
  MissingContentLength: {
    status: 411,
    message: 'You must provide the Content-Length HTTP header.',
    ec: '0016-00000207',
    verified: false,
  },
  NoSuchBucket: { status: 404, message: 'The specified bucket does not exist.', ec: '0015-00000101', verified: true },
  NoSuchCORSConfiguration: { status: 404, message: 'The CORS Configuration does not exist.', ec: '0034-00000201', verified: false },
  NoSuchKey: { status: 404, message: 'The specified key does not exist.', ec: '0026-00000001', verified: true },
  NoSuchUpload: {
    status: 404,
    message: 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    ec: '0042-00000002',
    verified: false,
  },
  /** Pail's own: an unknown path under the reserved `/-/` prefix on the service host. */
  NotFound: { status: 404, message: 'The specified Pail endpoint does not exist.', ec: '0000-00000404', verified: false },
  NotSymlink: {
    status: 400,
    message: 'The specified object is not a symlink.',
    ec: '0043-00000101',
    verified: false,
  },
  NotImplemented: {
    status: 501,
    message: 'Pail does not implement this operation yet.',
    ec: '0000-00000501',
    verified: false,
  },
  ObjectNotAppendable: {
    status: 409,
    message: 'The operation is not valid for the object.',
    ec: '0026-00000301',
    verified: false,
  },
  PositionNotEqualToLength: {
    status: 409,
    message: 'Position is not equal to file length',
    ec: '0026-00000302',
    verified: false,
  },
  PreconditionFailed: {
    status: 412,
    message: 'At least one of the pre-conditions you specified did not hold',
    ec: '0025-00000001',
    verified: false,
  },
  RequestIsNotMultiPartContent: {
    status: 400,
    message: 'Bucket POST must be of the enclosure-type multipart/form-data.',
    ec: '0006-00000002',
    verified: false,
  },
  RequestTimeout: {
    status: 400,
    message: 'Your socket connection to the server was not read from or written to within the timeout period.',
    ec: '0016-00000106',
    verified: false,
  },
  RequestTimeTooSkewed: {
    status: 403,
    message: 'The difference between the request time and the current time is too large.',
    ec: '0002-00000504',
    verified: true,
  },
  ServiceUnavailable: {
    status: 503,
    message: 'Please reduce your request rate.',
    ec: '0000-00000503',
    verified: false,
  },
  /** GetObject / HeadObject through a symlink whose target does not exist. */
  SymlinkTargetNotExist: {
    status: 404,
    message: 'The symlink target object does not exist.',
    ec: '0026-00000012',
    verified: false,
  },
  SignatureDoesNotMatch: {
    status: 403,
    message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    ec: '0002-00000201',
    verified: true,
  },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof CATALOGUE;
