/**
 * The contract between `@pail/sign/verify` and its consumer (the Pail server).
 *
 * The server parses the raw request target itself (it must know the bucket to pick
 * path-style vs virtual-hosted addressing) and hands the verifier already-decoded parts.
 * The verifier never sees a WHATWG `URL`: keys like `a/../b` and `%2E%2E` must survive.
 *
 * Spec references are to `shared/reference/oss-signature.md` (§2 = V4, §3 = V1, §4 = errors).
 */

/** One decoded query parameter, in wire order. `hasValue` is false for a bare `name` (no `=`). */
export interface QueryParam {
  readonly name: string;
  readonly value: string;
  readonly hasValue: boolean;
}

/** What the verifier needs to know about a request. Everything is already percent-decoded once. */
export interface VerifyRequest {
  /** Upper-case method as received. */
  readonly method: string;
  /** Decoded bucket name, or null for service-level requests (ListBuckets). */
  readonly bucket: string | null;
  /** Decoded object key; '' for bucket- and service-level requests. Never normalised. */
  readonly key: string;
  /** Decoded query parameters in wire order (a literal '+' already turned into a space). */
  readonly query: readonly QueryParam[];
  /**
   * Request headers with lower-case names, values exactly as Node's `http` delivers them
   * (latin1-decoded wire octets). The verifier re-encodes with latin1 to hash the real octets (§2.1.4).
   */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** How a request claims to be authenticated (§2.6 step 1). */
export type AuthScheme = 'anonymous' | 'v4-header' | 'v4-query' | 'v1-header' | 'v1-query';

/**
 * Why verification failed. The server maps each reason to one OSS error (code, status, EC)
 * in its error catalogue; the verifier only reports facts.
 */
export type AuthFailureReason =
  /** Both a query signature and an Authorization header (§2.6.1). */
  | 'BothQueryAndHeader'
  /** Authorization header present but not parseable (scheme, Credential, Signature…). */
  | 'MalformedAuthorization'
  /** A required V4 presign parameter is missing (detail.parameter names it). */
  | 'MissingParameter'
  /** x-oss-credential / Credential= not of the form AK/YYYYMMDD/region/product/aliyun_v4_request. */
  | 'InvalidCredential'
  /** Credential date differs from the x-oss-date day. */
  | 'CredentialDateMismatch'
  /** Credential region is not the region this server serves. */
  | 'InvalidRegion'
  /** Credential product is not `oss`. */
  | 'InvalidProduct'
  /** x-oss-date (or V1 Date) missing or not parseable. */
  | 'InvalidDate'
  /** No date at all on a header-authenticated request (EC 0002-00000503). */
  | 'MissingDate'
  /** x-oss-expires not an integer in 1..604800 (EC 0002-00000232) or V1 Expires not a number. */
  | 'InvalidExpires'
  /** Presigned URL used before x-oss-date - 15 min (EC 0002-00000235). */
  | 'NotYetValid'
  /** Presigned URL used after its expiry ("Request has expired."). */
  | 'Expired'
  /** Header auth outside +-15 min. */
  | 'RequestTimeTooSkewed'
  /** x-oss-content-sha256 other than UNSIGNED-PAYLOAD (EC 0002-00000214). */
  | 'InvalidContentSha256'
  /** AdditionalHeaders list malformed (empty element, trailing ';', upper case, unsorted). */
  | 'InvalidAdditionalHeaders'
  /** A name listed in AdditionalHeaders is not present in the request. */
  | 'MissingAdditionalHeader'
  /** Duplicate query parameter names (§1.2). */
  | 'DuplicateQueryParameter'
  /** Access key unknown (or disabled). */
  | 'InvalidAccessKeyId'
  /** Security token required by the key but missing, or not matching. */
  | 'InvalidSecurityToken'
  /** Everything parsed, the signature is simply wrong. */
  | 'SignatureDoesNotMatch';

/** A verification failure with the facts the OSS error body echoes (§4). */
export interface AuthFailure {
  readonly ok: false;
  readonly scheme: AuthScheme;
  readonly reason: AuthFailureReason;
  /** Human-readable, OSS-worded where OSS's wording is known. */
  readonly message: string;
  readonly accessKeyId?: string;
  /** V4: the canonical request the server computed (first candidate form). */
  readonly canonicalRequest?: string;
  /** The string to sign the server computed (first candidate form). */
  readonly stringToSign?: string;
  /** V1: bytes of the string to sign as OSS prints them: 'XX XX … ' (upper hex, trailing space). */
  readonly stringToSignBytes?: string;
  readonly signatureProvided?: string;
  /** Expired: when it expired (ms since epoch). */
  readonly expiresAt?: number;
  /** RequestTimeTooSkewed: the request time (ms since epoch). */
  readonly requestTime?: number;
  /** MissingParameter / InvalidExpires …: the offending parameter name. */
  readonly parameter?: string;
  readonly parameterValue?: string;
}

/** A successful verification. */
export interface AuthSuccess {
  readonly ok: true;
  readonly scheme: AuthScheme;
  /** null for anonymous requests. */
  readonly accessKeyId: string | null;
  readonly securityToken?: string;
  /** Which canonical form matched: the spec form, or the ali-oss quirk form (§2.8). */
  readonly form?: 'spec' | 'ali-oss';
  /** Presigned URLs (v4-query, v1-query): when the URL expires, ms since the epoch. (Added.) */
  readonly expiresAt?: number;
}

export type VerifyResult = AuthSuccess | AuthFailure;

/** What the verifier knows about an access key. */
export interface AccessKeyRecord {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** When set, the request must carry exactly this security token (STS-style temporary keys). */
  readonly securityToken?: string;
}

export interface VerifyOptions {
  /** Current time in ms since the epoch (injectable clock). */
  readonly now: number;
  /** The bare region this server serves, e.g. `cn-hangzhou`. */
  readonly region: string;
  /** Access-key lookup; undefined → InvalidAccessKeyId. Called before any HMAC work. */
  readonly lookup: (accessKeyId: string) => AccessKeyRecord | undefined;
  /** Maximum clock skew for header auth and presign not-before, ms. Default 900000 (15 min). */
  readonly maxSkewMs?: number;
}

// ---- Additions by the signer team (nothing above was renamed or removed) ----

/** Why a V4 PostObject policy failed (`verifyPostPolicyV4`). */
export type PostPolicyFailureReason =
  | 'MissingParameter'
  /** x-oss-signature-version is not OSS4-HMAC-SHA256. */
  | 'MalformedAuthorization'
  | 'InvalidCredential'
  | 'InvalidProduct'
  | 'InvalidRegion'
  | 'InvalidDate'
  | 'CredentialDateMismatch'
  | 'NotYetValid'
  /** x-oss-date older than 7 days, or the policy `expiration` has passed. */
  | 'Expired'
  | 'InvalidAccessKeyId'
  | 'InvalidSecurityToken'
  /** policy is not base64 of a JSON object with `expiration` (ISO 8601) and `conditions` (array). */
  | 'InvalidPolicyDocument'
  /** A policy condition on x-oss-date / x-oss-credential / x-oss-signature-version / x-oss-security-token disagrees with the form. */
  | 'PolicyConditionMismatch'
  | 'SignatureDoesNotMatch';

export interface PostPolicyFailure {
  readonly ok: false;
  readonly reason: PostPolicyFailureReason;
  readonly message: string;
  readonly accessKeyId?: string;
  readonly parameter?: string;
  readonly expiresAt?: number;
}

/** A verified PostObject form: the caller still has to evaluate `conditions` against the upload. */
export interface PostPolicySuccess {
  readonly ok: true;
  readonly accessKeyId: string;
  readonly securityToken?: string;
  /** The decoded policy document. */
  readonly policy: Readonly<Record<string, unknown>>;
  readonly conditions: readonly unknown[];
  /** Policy `expiration`, ms since the epoch. */
  readonly expiration: number;
}

export type PostPolicyResult = PostPolicySuccess | PostPolicyFailure;

/** `decodeQuery` / `percentDecodePath` failure: malformed `%` escape or invalid UTF-8. */
export interface DecodeError {
  readonly ok: false;
  readonly message: string;
}
