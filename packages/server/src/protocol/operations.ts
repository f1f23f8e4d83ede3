/**
 * Raw request → typed OSS operation, named as in the OSS API, carrying the (action, resource)
 * pairs it needs as data (protocol/access.ts). One route table decides: the address level
 * (service, bucket, object — protocol/address.ts), the method, and the sub-resource that
 * selects the operation (`?acl`, `?uploads`, …).
 *
 * Routing and argument parsing are two steps (core.ts runs authentication and authorization
 * between them): `routeOperation` picks the row and computes the operation's name and access
 * pairs from the address, method, query names and headers, cheaply and without failing on
 * arguments; `RoutedOperation.args()` then parses the arguments (`max-keys`, `x-oss-acl`,
 * duplicate parameters…) and may throw their 400s. A caller denied the action so gets 403 and
 * learns nothing from argument errors.
 *
 * Adding an operation is local: a member of the `Operation` union, a row in `ROUTES`, and a
 * handler in handlers/index.ts. Operations OSS has but Pail does not implement yet are rows
 * without `build` (501 NotImplemented after authentication and authorization, so a caller who
 * may not touch the resource still gets 403 first).
 */
import type { QueryParam } from '@pail/sign/verify';
import { OssError } from '../errors/oss-error.js';
import type { BucketAcl, ObjectAcl } from '../storage/types.js';
import { type AccessPair, bucketResource, type OnBucket, type OnObject, type Op, objectResource, SERVICE_RESOURCE } from './access.js';
import type { AddressLevel } from './address.js';
import { header, isValidHeaderValue, type RequestHeaders, utf8AsLatin1 } from './headers.js';
import type { CorsOperation } from './cors.js';
import { build as objectApi, copySourceVersion, type ObjectApiOperation, taggingAccess } from './object-api.js';
import { percentDecode } from './target.js';

interface ListParams extends OnBucket {
  readonly prefix: string;
  readonly delimiter: string;
  readonly maxKeys: number;
  /** `encoding-type=url`: URL-encode keys, prefixes, markers in the response. */
  readonly encodingType: 'url' | null;
}

/** GetObject `response-*` query overrides: response header name → value (latin1 octets). */
export type ResponseOverrides = Readonly<Record<string, string>>;

export type ListBuckets = Op<'ListBuckets', { readonly prefix: string; readonly marker: string; readonly maxKeys: number }>;
export type PutBucket = Op<'PutBucket', OnBucket & { readonly acl: BucketAcl }>;
export type DeleteBucket = Op<'DeleteBucket', OnBucket>;
export type GetBucketInfo = Op<'GetBucketInfo', OnBucket>;
export type GetBucketLocation = Op<'GetBucketLocation', OnBucket>;
export type GetBucketStat = Op<'GetBucketStat', OnBucket>;
export type HeadBucket = Op<'HeadBucket', OnBucket>;
export type ListObjects = Op<'ListObjects', ListParams & { readonly marker: string }>;
export type ListObjectsV2 = Op<
  'ListObjectsV2',
  ListParams & {
    /** The token as sent (echoed back), or null. */
    readonly continuationToken: string | null;
    readonly startAfter: string;
    /** Exclusive lower bound: the decoded continuation token, else start-after. */
    readonly after: string;
    readonly fetchOwner: boolean;
  }
>;
export type PutBucketAcl = Op<'PutBucketAcl', OnBucket & { readonly acl: BucketAcl }>;
export type GetBucketAcl = Op<'GetBucketAcl', OnBucket>;
export type PutObject = Op<'PutObject', OnObject>;
export type GetObject = Op<'GetObject', OnObject & { readonly overrides: ResponseOverrides }>;
export type HeadObject = Op<'HeadObject', OnObject>;
export type GetObjectMeta = Op<'GetObjectMeta', OnObject>;
export type DeleteObject = Op<'DeleteObject', OnObject>;
export type PutObjectAcl = Op<'PutObjectAcl', OnObject & { readonly acl: ObjectAcl }>;
export type GetObjectAcl = Op<'GetObjectAcl', OnObject>;
/** Recognised OSS operation (or parameter) Pail does not implement yet: 501 NotImplemented. */
export type NotImplemented = Op<
  'NotImplemented',
  { readonly operation: string; readonly bucket: string | null; readonly key: string; readonly detail?: string }
>;
/** Pail's liveness and readiness probes (`/-/health`, `/-/ready`; service host only). */
export type PailHealth = Op<'PailHealth'>;
export type PailReady = Op<'PailReady'>;

export type Operation =
  | ListBuckets
  | PutBucket
  | DeleteBucket
  | GetBucketInfo
  | GetBucketLocation
  | GetBucketStat
  | HeadBucket
  | ListObjects
  | ListObjectsV2
  | PutBucketAcl
  | GetBucketAcl
  | PutObject
  | GetObject
  | HeadObject
  | GetObjectMeta
  | DeleteObject
  | PutObjectAcl
  | GetObjectAcl
  | ObjectApiOperation
  | CorsOperation
  | NotImplemented
  | PailHealth
  | PailReady;

export type OperationName = Operation['name'];
/** The OSS operations Pail implements (each has a handler). */
export type ImplementedName = Exclude<OperationName, 'NotImplemented' | 'PailHealth' | 'PailReady'>;
export type OperationOf<N extends OperationName> = Extract<Operation, { readonly name: N }>;

/** Every implemented operation, checked complete by the compiler (a Record over the union). */
const IMPLEMENTED: Readonly<Record<ImplementedName, true>> = {
  ListBuckets: true,
  PutBucket: true,
  DeleteBucket: true,
  GetBucketInfo: true,
  GetBucketLocation: true,
  GetBucketStat: true,
  HeadBucket: true,
  ListObjects: true,
  ListObjectsV2: true,
  PutBucketAcl: true,
  GetBucketAcl: true,
  PutObject: true,
  GetObject: true,
  HeadObject: true,
  GetObjectMeta: true,
  DeleteObject: true,
  PutObjectAcl: true,
  GetObjectAcl: true,
  PutBucketCors: true,
  GetBucketCors: true,
  DeleteBucketCors: true,
  OptionObject: true,
  InitiateMultipartUpload: true,
  UploadPart: true,
  UploadPartCopy: true,
  CompleteMultipartUpload: true,
  AbortMultipartUpload: true,
  ListParts: true,
  ListMultipartUploads: true,
  CopyObject: true,
  AppendObject: true,
  DeleteMultipleObjects: true,
  PutObjectTagging: true,
  GetObjectTagging: true,
  DeleteObjectTagging: true,
  PutSymlink: true,
  GetSymlink: true,
  PostObject: true,
};
export const IMPLEMENTED_OPERATIONS = Object.keys(IMPLEMENTED) as ImplementedName[];

/**
 * First-value view of the decoded query. A name given twice is recorded, not refused here:
 * routing must not fail on arguments, and a signed request's duplicates are the verifier's
 * (DuplicateQueryParameter); `refuseDuplicates` runs with the argument parsing.
 */
export class Query {
  private readonly map = new Map<string, string>();
  /** The first name that appears more than once, if any. */
  readonly duplicate: string | undefined;
  constructor(readonly params: readonly QueryParam[]) {
    let duplicate: string | undefined;
    for (const p of params) {
      if (this.map.has(p.name)) duplicate ??= p.name;
      else this.map.set(p.name, p.value);
    }
    this.duplicate = duplicate;
  }
  has(name: string): boolean {
    return this.map.has(name);
  }
  get(name: string): string | undefined {
    return this.map.get(name);
  }
  /** §1.2: no SDK sends duplicate names and canonical forms cannot represent them. */
  refuseDuplicates(): void {
    if (this.duplicate === undefined) return;
    throw new OssError('InvalidArgument', {
      message: `Duplicate query parameter: ${this.duplicate}`,
      details: [['ArgumentName', this.duplicate]],
    });
  }
}

export interface RouteContext {
  readonly method: string;
  readonly bucket: string | null;
  readonly key: string;
  readonly query: Query;
  readonly headers: RequestHeaders;
}

export interface Route {
  readonly level: AddressLevel;
  /** Upper-case method, or '*' for any. */
  readonly method: string;
  /** The sub-resource that selects this route; null = none of the level's selectors; '*' = any. */
  readonly sub: string | null;
  /** Must be cheap and never throw (routing is total). */
  readonly when?: (c: RouteContext) => boolean;
  /** The OSS operation name (for NotImplemented rows, the one reported). */
  readonly operation: string;
  /** The (action, resource) pairs, from the address and headers alone: cheap, never throws. */
  readonly access: (c: RouteContext) => readonly AccessPair[];
  /** What makes this request NotImplemented (`versionId`…), else undefined: cheap, never throws. */
  readonly unsupported?: (c: RouteContext) => string | undefined;
  /**
   * The operation with its arguments parsed; may throw their 400s (it runs after authorization).
   * Rows without it are recognised but not implemented.
   */
  readonly build?: (c: RouteContext, access: readonly AccessPair[]) => Operation;
}

/**
 * A routed request: the operation's name and access pairs (what authentication and
 * authorization need), and `args()`, which parses the arguments into the typed operation.
 */
export type RoutedOperation = {
  readonly [N in OperationName]: {
    readonly name: N;
    /** The OSS operation name, for logs (for NotImplemented, the operation it stands for). */
    readonly operation: string;
    readonly access: readonly AccessPair[];
    /** Parses the arguments; throws their 400s (duplicate parameters, `max-keys`, `x-oss-acl`…). */
    args(): OperationOf<N>;
  };
}[OperationName];

// ---------------------------------------------------------------------------------------------
// Access helpers

const b = (c: RouteContext): string => c.bucket!;
const onService = (action: string): AccessPair[] => [{ action, resource: SERVICE_RESOURCE }];
const onBucket = (c: RouteContext, action: string): AccessPair[] => [{ action, resource: bucketResource(b(c)) }];
const onObject = (c: RouteContext, action: string): AccessPair[] => [{ action, resource: objectResource(b(c), c.key) }];
/** Operations whose keys are only known from the body (DeleteMultipleObjects, PostObject). */
const onAllObjects = (c: RouteContext, action: string): AccessPair[] => [{ action, resource: objectResource(b(c), '*') }];

/**
 * `x-oss-copy-source: /bucket/key` (URL-encoded, `?versionId=` allowed): read access on the
 * source. An unparseable header yields no pair here; the handler rejects it later.
 */
function copySourceAccess(c: RouteContext): AccessPair[] {
  const raw = header(c.headers, 'x-oss-copy-source');
  if (raw === undefined) return [];
  const q = raw.indexOf('?');
  const path = percentDecode(q < 0 ? raw : raw.slice(0, q), false);
  if (path === undefined) return [];
  const p = path.startsWith('/') ? path.slice(1) : path;
  const slash = p.indexOf('/');
  if (slash <= 0 || slash === p.length - 1) return [];
  return [{ action: 'oss:GetObject', resource: objectResource(p.slice(0, slash), p.slice(slash + 1)) }];
}

// ---------------------------------------------------------------------------------------------
// Parameter parsing

const ACLS: readonly BucketAcl[] = ['private', 'public-read', 'public-read-write'];

function bucketAclHeader(c: RouteContext, required: boolean): BucketAcl {
  const v = header(c.headers, 'x-oss-acl');
  if (v === undefined || v === '') {
    if (required) throw new OssError('MissingArgument', { details: [['ArgumentName', 'x-oss-acl']] });
    return 'private';
  }
  if (!(ACLS as readonly string[]).includes(v)) {
    throw new OssError('InvalidArgument', {
      message: 'no such bucket access control exists',
      details: [
        ['ArgumentName', 'x-oss-acl'],
        ['ArgumentValue', v],
      ],
    });
  }
  return v as BucketAcl;
}

export function parseObjectAcl(v: string | undefined): ObjectAcl | undefined {
  if (v === undefined) return undefined;
  if (v === 'default' || (ACLS as readonly string[]).includes(v)) return v as ObjectAcl;
  throw new OssError('InvalidArgument', {
    message: 'The object access control list you specified is not valid.',
    details: [
      ['ArgumentName', 'x-oss-object-acl'],
      ['ArgumentValue', v],
    ],
  });
}

function maxKeys(c: RouteContext, dflt: number): number {
  const v = c.query.get('max-keys');
  if (v === undefined || v === '') return dflt;
  const n = /^\d{1,7}$/.test(v) ? Number(v) : Number.NaN;
  if (!(n >= 1 && n <= 1000)) {
    throw new OssError('InvalidArgument', {
      message: 'Argument max-keys must be an integer between 1 and 1000.',
      details: [
        ['ArgumentName', 'max-keys'],
        ['ArgumentValue', v],
      ],
    });
  }
  return n;
}

function encodingType(c: RouteContext): 'url' | null {
  const v = c.query.get('encoding-type');
  if (v === undefined || v === '') return null;
  if (v.toLowerCase() === 'url') return 'url';
  throw new OssError('InvalidArgument', {
    message: 'The encoding-type parameter only supports url.',
    details: [
      ['ArgumentName', 'encoding-type'],
      ['ArgumentValue', v],
    ],
  });
}

/** Continuation tokens are base64url of the last key or prefix returned (opaque to clients). */
export function encodeContinuationToken(after: string): string {
  return Buffer.from(after, 'utf8').toString('base64url');
}

export function decodeContinuationToken(token: string): string {
  const bytes = Buffer.from(token, 'base64url');
  const ok = /^[A-Za-z0-9_-]*$/.test(token) && bytes.toString('base64url') === token;
  const s = ok ? percentDecodeUtf8(bytes) : undefined;
  if (s === undefined) {
    throw new OssError('InvalidArgument', {
      message: 'The continuation token provided is incorrect.',
      details: [
        ['ArgumentName', 'continuation-token'],
        ['ArgumentValue', token],
      ],
    });
  }
  return s;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
function percentDecodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function listParams(c: RouteContext): ListParams {
  return {
    bucket: b(c),
    prefix: c.query.get('prefix') ?? '',
    delimiter: c.query.get('delimiter') ?? '',
    maxKeys: maxKeys(c, 100),
    encodingType: encodingType(c),
  };
}

/** GetObject's `response-*` overrides (OSS GetObject request parameters). */
export const RESPONSE_OVERRIDES: Readonly<Record<string, string>> = {
  'response-content-type': 'Content-Type',
  'response-content-language': 'Content-Language',
  'response-expires': 'Expires',
  'response-cache-control': 'Cache-Control',
  'response-content-disposition': 'Content-Disposition',
  'response-content-encoding': 'Content-Encoding',
};

function responseOverrides(c: RouteContext): ResponseOverrides {
  let out: Record<string, string> | undefined;
  for (const p of c.query.params) {
    // Own-property lookup: names like `constructor` must not reach Object.prototype.
    if (!Object.hasOwn(RESPONSE_OVERRIDES, p.name)) continue;
    const h = RESPONSE_OVERRIDES[p.name]!;
    // The decoded text travels as its UTF-8 octets (e.g. `filename="中文.txt"`).
    const v = utf8AsLatin1(p.value);
    if (!isValidHeaderValue(v)) {
      throw new OssError('InvalidArgument', {
        message: `The value of ${p.name} is not a valid header value.`,
        details: [
          ['ArgumentName', p.name],
          ['ArgumentValue', p.value],
        ],
      });
    }
    out ??= {};
    out[h] = v;
  }
  return out ?? NO_OVERRIDES;
}
const NO_OVERRIDES: ResponseOverrides = Object.freeze({});

// ---------------------------------------------------------------------------------------------
// Route table

function notImplemented(c: RouteContext, operation: string, access: readonly AccessPair[], detail?: string): NotImplemented {
  return {
    name: 'NotImplemented',
    operation,
    bucket: c.bucket,
    key: c.key,
    access,
    ...(detail === undefined ? {} : { detail }),
  };
}

/** Versioning is not implemented: a request for a specific version is refused, not answered with the current one. */
function versioned(c: RouteContext): string | undefined {
  const v = c.query.get('versionId');
  return v !== undefined && v !== 'null' ? 'versionId' : undefined;
}

function ni(
  level: AddressLevel,
  method: string,
  sub: string | null,
  operation: string,
  access: (c: RouteContext) => readonly AccessPair[],
  when?: (c: RouteContext) => boolean,
): Route {
  return { level, method, sub, operation, access, ...(when ? { when } : {}) };
}

const hasCopySource = (c: RouteContext): boolean => header(c.headers, 'x-oss-copy-source') !== undefined;

/**
 * A row of the object API (protocol/object-api.ts builds the operation from the parameters).
 * `versionId` (of the request, or of `x-oss-copy-source`) other than `null` is NotImplemented.
 */
function api(
  level: AddressLevel,
  method: string,
  sub: string | null,
  operation: string,
  access: (c: RouteContext) => readonly AccessPair[],
  make: (c: RouteContext, access: readonly AccessPair[]) => Operation,
  when?: (c: RouteContext) => boolean,
): Route {
  return {
    level,
    method,
    sub,
    operation,
    access,
    unsupported: (c) => {
      const v = copySourceVersion(c);
      return v !== undefined && v !== 'null' ? 'x-oss-copy-source versionId' : versioned(c);
    },
    build: make,
    ...(when ? { when } : {}),
  };
}

const VERBS: Readonly<Record<string, string>> = { GET: 'Get', PUT: 'Put', DELETE: 'Delete' };
/** Bucket configuration sub-resources Pail recognises but does not implement: Get/Put/Delete each. */
const BUCKET_CONFIGS: readonly (readonly [sub: string, name: string])[] = [
  ['versioning', 'BucketVersioning'],
  ['lifecycle', 'BucketLifecycle'],
  ['logging', 'BucketLogging'],
  ['website', 'BucketWebsite'],
  ['referer', 'BucketReferer'],
  ['policy', 'BucketPolicy'],
  ['tagging', 'BucketTags'],
  ['encryption', 'BucketEncryption'],
  ['worm', 'BucketWorm'],
  ['replication', 'BucketReplication'],
  ['inventory', 'BucketInventory'],
  ['requestPayment', 'BucketRequestPayment'],
  ['transferAcceleration', 'BucketTransferAcceleration'],
  ['cname', 'Cname'],
  ['accessPoint', 'AccessPoint'],
  ['publicAccessBlock', 'BucketPublicAccessBlock'],
  ['resourceGroup', 'BucketResourceGroup'],
  ['httpsConfig', 'BucketHttpsConfig'],
  ['style', 'Style'],
  ['qos', 'BucketQoSInfo'],
];

export const ROUTES: readonly Route[] = [
  // --- service level -------------------------------------------------------------------------
  {
    level: 'service',
    method: 'GET',
    sub: null,
    operation: 'ListBuckets',
    access: () => onService('oss:ListBuckets'),
    build: (c, access) => ({
      name: 'ListBuckets',
      prefix: c.query.get('prefix') ?? '',
      marker: c.query.get('marker') ?? '',
      maxKeys: maxKeys(c, 100),
      access,
    }),
  },
  ni('service', 'GET', 'regions', 'DescribeRegions', () => onService('oss:DescribeRegions')),

  // --- bucket level --------------------------------------------------------------------------
  {
    level: 'bucket',
    method: 'GET',
    sub: 'acl',
    operation: 'GetBucketAcl',
    access: (c) => onBucket(c, 'oss:GetBucketAcl'),
    build: (c, access) => ({ name: 'GetBucketAcl', bucket: b(c), access }),
  },
  {
    level: 'bucket',
    method: 'PUT',
    sub: 'acl',
    operation: 'PutBucketAcl',
    access: (c) => onBucket(c, 'oss:PutBucketAcl'),
    build: (c, access) => ({ name: 'PutBucketAcl', bucket: b(c), acl: bucketAclHeader(c, true), access }),
  },
  {
    level: 'bucket',
    method: 'GET',
    sub: 'location',
    operation: 'GetBucketLocation',
    access: (c) => onBucket(c, 'oss:GetBucketLocation'),
    build: (c, access) => ({ name: 'GetBucketLocation', bucket: b(c), access }),
  },
  {
    level: 'bucket',
    method: 'GET',
    sub: 'bucketInfo',
    operation: 'GetBucketInfo',
    access: (c) => onBucket(c, 'oss:GetBucketInfo'),
    build: (c, access) => ({ name: 'GetBucketInfo', bucket: b(c), access }),
  },
  {
    level: 'bucket',
    method: 'GET',
    sub: 'stat',
    operation: 'GetBucketStat',
    access: (c) => onBucket(c, 'oss:GetBucketStat'),
    build: (c, access) => ({ name: 'GetBucketStat', bucket: b(c), access }),
  },
  api('bucket', 'GET', 'uploads', 'ListMultipartUploads', (c) => onBucket(c, 'oss:ListMultipartUploads'), objectApi.listMultipartUploads),
  // Each key of the body is authorized again by the handler (oss:DeleteObject on bucket/key).
  api('bucket', 'POST', 'delete', 'DeleteMultipleObjects', (c) => onAllObjects(c, 'oss:DeleteObject'), objectApi.deleteMultipleObjects),
  ni('bucket', 'GET', 'versions', 'ListObjectVersions', (c) => onBucket(c, 'oss:ListObjectVersions')),
  ...BUCKET_CONFIGS.flatMap(([sub, name]) =>
    ['GET', 'PUT', 'DELETE'].map((method) => ni('bucket', method, sub, VERBS[method] + name, (c) => onBucket(c, `oss:${VERBS[method]}${name}`))),
  ),
  {
    level: 'bucket',
    method: 'GET',
    sub: null,
    when: (c) => c.query.get('list-type') === '2',
    operation: 'ListObjectsV2',
    access: (c) => onBucket(c, 'oss:ListObjects'),
    build: (c, access) => {
      const token = c.query.get('continuation-token');
      const continuationToken = token === undefined || token === '' ? null : token;
      const startAfter = c.query.get('start-after') ?? '';
      return {
        name: 'ListObjectsV2',
        ...listParams(c),
        continuationToken,
        startAfter,
        after: continuationToken === null ? startAfter : decodeContinuationToken(continuationToken),
        fetchOwner: c.query.get('fetch-owner') === 'true',
        access,
      };
    },
  },
  {
    level: 'bucket',
    method: 'GET',
    sub: null,
    operation: 'ListObjects',
    access: (c) => onBucket(c, 'oss:ListObjects'),
    build: (c, access) => ({ name: 'ListObjects', ...listParams(c), marker: c.query.get('marker') ?? '', access }),
  },
  {
    level: 'bucket',
    method: 'HEAD',
    sub: null,
    operation: 'HeadBucket',
    // Pail's choice: HEAD on a bucket needs what listing needs (as S3's HeadBucket does).
    access: (c) => onBucket(c, 'oss:ListObjects'),
    build: (c, access) => ({ name: 'HeadBucket', bucket: b(c), access }),
  },
  {
    level: 'bucket',
    method: 'PUT',
    sub: null,
    operation: 'PutBucket',
    access: (c) => onBucket(c, 'oss:PutBucket'),
    build: (c, access) => ({ name: 'PutBucket', bucket: b(c), acl: bucketAclHeader(c, false), access }),
  },
  {
    level: 'bucket',
    method: 'DELETE',
    sub: null,
    operation: 'DeleteBucket',
    access: (c) => onBucket(c, 'oss:DeleteBucket'),
    build: (c, access) => ({ name: 'DeleteBucket', bucket: b(c), access }),
  },
  // The form authenticates PostObject; the handler authorizes oss:PutObject on the form's key.
  api('bucket', 'POST', null, 'PostObject', (c) => onAllObjects(c, 'oss:PutObject'), objectApi.postObject),
  {
    level: 'bucket',
    method: 'GET',
    sub: 'cors',
    operation: 'GetBucketCors',
    access: (c) => onBucket(c, 'oss:GetBucketCors'),
    build: (c, access) => ({ name: 'GetBucketCors', bucket: b(c), access }),
  },
  {
    level: 'bucket',
    method: 'PUT',
    sub: 'cors',
    operation: 'PutBucketCors',
    access: (c) => onBucket(c, 'oss:PutBucketCors'),
    build: (c, access) => ({ name: 'PutBucketCors', bucket: b(c), access }),
  },
  {
    level: 'bucket',
    method: 'DELETE',
    sub: 'cors',
    operation: 'DeleteBucketCors',
    access: (c) => onBucket(c, 'oss:DeleteBucketCors'),
    build: (c, access) => ({ name: 'DeleteBucketCors', bucket: b(c), access }),
  },
  // The preflight of any bucket request (ListObjects from a page); answered before authentication.
  {
    level: 'bucket',
    method: 'OPTIONS',
    sub: '*',
    operation: 'OptionObject',
    access: () => [],
    build: (c, access) => ({ name: 'OptionObject', bucket: b(c), key: '', access }),
  },

  // --- object level --------------------------------------------------------------------------
  {
    level: 'object',
    method: 'GET',
    sub: 'acl',
    operation: 'GetObjectAcl',
    access: (c) => onObject(c, 'oss:GetObjectAcl'),
    unsupported: versioned,
    build: (c, access) => ({ name: 'GetObjectAcl', bucket: b(c), key: c.key, access }),
  },
  {
    level: 'object',
    method: 'PUT',
    sub: 'acl',
    operation: 'PutObjectAcl',
    access: (c) => onObject(c, 'oss:PutObjectAcl'),
    unsupported: versioned,
    build: (c, access) => {
      const acl = parseObjectAcl(header(c.headers, 'x-oss-object-acl'));
      if (acl === undefined) throw new OssError('MissingArgument', { details: [['ArgumentName', 'x-oss-object-acl']] });
      return { name: 'PutObjectAcl', bucket: b(c), key: c.key, acl, access };
    },
  },
  {
    level: 'object',
    method: 'HEAD',
    sub: 'objectMeta',
    operation: 'GetObjectMeta',
    access: (c) => onObject(c, 'oss:GetObject'),
    unsupported: versioned,
    build: (c, access) => ({ name: 'GetObjectMeta', bucket: b(c), key: c.key, access }),
  },
  api(
    'object',
    'POST',
    'uploads',
    'InitiateMultipartUpload',
    (c) => [...onObject(c, 'oss:PutObject'), ...taggingAccess(c, objectResource(b(c), c.key))],
    objectApi.initiateMultipartUpload,
  ),
  api(
    'object',
    'PUT',
    'uploadId',
    'UploadPartCopy',
    (c) => [...copySourceAccess(c), ...onObject(c, 'oss:PutObject')],
    objectApi.uploadPartCopy,
    (c) => c.query.has('partNumber') && hasCopySource(c),
  ),
  api('object', 'PUT', 'uploadId', 'UploadPart', (c) => onObject(c, 'oss:PutObject'), objectApi.uploadPart, (c) => c.query.has('partNumber')),
  api('object', 'POST', 'uploadId', 'CompleteMultipartUpload', (c) => onObject(c, 'oss:PutObject'), objectApi.completeMultipartUpload),
  api('object', 'DELETE', 'uploadId', 'AbortMultipartUpload', (c) => onObject(c, 'oss:AbortMultipartUpload'), objectApi.abortMultipartUpload),
  api('object', 'GET', 'uploadId', 'ListParts', (c) => onObject(c, 'oss:ListParts'), objectApi.listParts),
  api(
    'object',
    'POST',
    'append',
    'AppendObject',
    (c) => [...onObject(c, 'oss:PutObject'), ...taggingAccess(c, objectResource(b(c), c.key))],
    objectApi.appendObject,
  ),
  api('object', 'PUT', 'tagging', 'PutObjectTagging', (c) => onObject(c, 'oss:PutObjectTagging'), objectApi.putObjectTagging),
  api('object', 'GET', 'tagging', 'GetObjectTagging', (c) => onObject(c, 'oss:GetObjectTagging'), objectApi.getObjectTagging),
  api('object', 'DELETE', 'tagging', 'DeleteObjectTagging', (c) => onObject(c, 'oss:DeleteObjectTagging'), objectApi.deleteObjectTagging),
  api(
    'object',
    'PUT',
    'symlink',
    'PutSymlink',
    (c) => [...onObject(c, 'oss:PutObject'), ...taggingAccess(c, objectResource(b(c), c.key))],
    objectApi.putSymlink,
  ),
  api('object', 'GET', 'symlink', 'GetSymlink', (c) => onObject(c, 'oss:GetObject'), objectApi.getSymlink),
  ni('object', 'POST', 'restore', 'RestoreObject', (c) => onObject(c, 'oss:RestoreObject')),
  {
    level: 'object',
    method: 'GET',
    sub: 'x-oss-process',
    operation: 'GetObject',
    access: (c) => onObject(c, 'oss:GetObject'),
    unsupported: () => 'x-oss-process',
  },
  ni('object', 'POST', 'x-oss-process', 'ProcessObject', (c) => onObject(c, 'oss:PostProcessTask')),
  {
    level: 'object',
    method: 'OPTIONS',
    sub: '*',
    operation: 'OptionObject',
    access: () => [],
    build: (c, access) => ({ name: 'OptionObject', bucket: b(c), key: c.key, access }),
  },
  api(
    'object',
    'PUT',
    null,
    'CopyObject',
    (c) => [...copySourceAccess(c), ...onObject(c, 'oss:PutObject'), ...taggingAccess(c, objectResource(b(c), c.key))],
    objectApi.copyObject,
    hasCopySource,
  ),
  {
    level: 'object',
    method: 'PUT',
    sub: null,
    operation: 'PutObject',
    access: (c) => [...onObject(c, 'oss:PutObject'), ...taggingAccess(c, objectResource(b(c), c.key))],
    build: (c, access) => ({ name: 'PutObject', bucket: b(c), key: c.key, access }),
  },
  {
    level: 'object',
    method: 'GET',
    sub: null,
    operation: 'GetObject',
    access: (c) => onObject(c, 'oss:GetObject'),
    unsupported: versioned,
    build: (c, access) => ({ name: 'GetObject', bucket: b(c), key: c.key, overrides: responseOverrides(c), access }),
  },
  {
    level: 'object',
    method: 'HEAD',
    sub: null,
    operation: 'HeadObject',
    access: (c) => onObject(c, 'oss:GetObject'),
    unsupported: versioned,
    build: (c, access) => ({ name: 'HeadObject', bucket: b(c), key: c.key, access }),
  },
  {
    level: 'object',
    method: 'DELETE',
    sub: null,
    operation: 'DeleteObject',
    access: (c) => onObject(c, 'oss:DeleteObject'),
    unsupported: versioned,
    build: (c, access) => ({ name: 'DeleteObject', bucket: b(c), key: c.key, access }),
  },
];

/** The sub-resources that select a route, per level: any of them present means "not the plain operation". */
const SELECTORS: Readonly<Record<AddressLevel, ReadonlySet<string>>> = (() => {
  const out: Record<AddressLevel, Set<string>> = { service: new Set(), bucket: new Set(), object: new Set() };
  for (const r of ROUTES) if (r.sub !== null && r.sub !== '*') out[r.level].add(r.sub);
  return out;
})();

const ROUTES_BY_LEVEL: Readonly<Record<AddressLevel, readonly Route[]>> = {
  service: ROUTES.filter((r) => r.level === 'service'),
  bucket: ROUTES.filter((r) => r.level === 'bucket'),
  object: ROUTES.filter((r) => r.level === 'object'),
};

/** One class for every routed request (one shape, no closure per request: this is the hot path). */
class Routed {
  constructor(
    /** A row with `build` builds the operation its `operation` names (operations.test.ts checks it). */
    readonly name: OperationName,
    readonly operation: string,
    readonly access: readonly AccessPair[],
    private readonly c: RouteContext,
    private readonly build: Route['build'],
    private readonly detail: string | undefined,
  ) {}

  args(): Operation {
    this.c.query.refuseDuplicates();
    if (this.build === undefined) return notImplemented(this.c, this.operation, this.access, this.detail);
    return this.build(this.c, this.access);
  }
}

function routed(r: Route, c: RouteContext): RoutedOperation {
  const access = r.access(c);
  const detail = r.unsupported?.(c);
  const implemented = r.build !== undefined && detail === undefined;
  const name = (implemented ? r.operation : 'NotImplemented') as OperationName;
  return new Routed(name, r.operation, access, c, implemented ? r.build : undefined, detail) as unknown as RoutedOperation;
}

/**
 * Picks the route for a request: its name and access pairs, arguments not parsed yet (see the
 * file comment); 405 MethodNotAllowed when no route fits.
 */
export function routeOperation(level: AddressLevel, c: RouteContext): RoutedOperation {
  // One pass over the (few) parameters rather than a lookup per selector of the level.
  const selectors = SELECTORS[level];
  let plain = true;
  for (const p of c.query.params) {
    if (selectors.has(p.name)) {
      plain = false;
      break;
    }
  }
  for (const r of ROUTES_BY_LEVEL[level]) {
    if (r.method !== '*' && r.method !== c.method) continue;
    if (r.sub === null ? !plain : r.sub !== '*' && !c.query.has(r.sub)) continue;
    if (r.when && !r.when(c)) continue;
    return routed(r, c);
  }
  throw new OssError('MethodNotAllowed', { details: [['Method', c.method]] });
}
