/**
 * What an operation needs, as data: (action, resource) pairs in RAM terms
 * (`oss:GetObject` on `acs:oss:*:*:bucket/key`). The authorizer (auth/authorize.ts) decides
 * on these pairs only, so RAM policies and STS session policies can later evaluate the very
 * same pairs; an operation touching two resources (CopyObject: read the source, write the
 * destination) simply lists two pairs.
 */

export interface AccessPair {
  /** RAM action, e.g. `oss:GetObject`. */
  readonly action: string;
  /** RAM resource ARN: `acs:oss:*:*:*`, `acs:oss:*:*:<bucket>`, `acs:oss:*:*:<bucket>/<key>`. */
  readonly resource: string;
}

/** A typed operation: its OSS name, the pairs it needs, and its parameters `P`. */
export type Op<N extends string, P extends object = object> = { readonly name: N; readonly access: readonly AccessPair[] } & P;
/** Parameters of an operation on a bucket. */
export interface OnBucket {
  readonly bucket: string;
}
/** Parameters of an operation on an object. */
export interface OnObject extends OnBucket {
  readonly key: string;
}

export const SERVICE_RESOURCE = 'acs:oss:*:*:*';

export function bucketResource(bucket: string): string {
  return `acs:oss:*:*:${bucket}`;
}

export function objectResource(bucket: string, key: string): string {
  return `acs:oss:*:*:${bucket}/${key}`;
}

/** What a resource ARN names; the inverse of the three builders above. */
export type ParsedResource =
  | { readonly kind: 'service' }
  | { readonly kind: 'bucket'; readonly bucket: string }
  | { readonly kind: 'object'; readonly bucket: string; readonly key: string };

const PREFIX = 'acs:oss:*:*:';

export function parseResource(resource: string): ParsedResource | undefined {
  if (!resource.startsWith(PREFIX)) return undefined;
  const rest = resource.slice(PREFIX.length);
  if (rest === '*') return { kind: 'service' };
  const slash = rest.indexOf('/');
  if (slash < 0) return { kind: 'bucket', bucket: rest };
  return { kind: 'object', bucket: rest.slice(0, slash), key: rest.slice(slash + 1) };
}
