/** Public option and result types of `@pail/sign`. */

/** Access key pair, plus the STS token for temporary credentials. */
export interface Credentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** STS security token; sent as `x-oss-security-token` (V4, V1 header) or `security-token` (V1 URL). */
  readonly securityToken?: string | undefined;
}

/**
 * Query parameters, decoded (the signer encodes them). `null` is a parameter without a value
 * (`?acl`); `undefined` entries are skipped. Numbers and booleans are stringified.
 */
export type QueryInput = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** Request headers as the client will send them; `undefined` entries are skipped. */
export type HeaderInput = Readonly<Record<string, string | number | undefined>>;

/** Where requests go. */
export interface EndpointOptions {
  /**
   * `oss-cn-hangzhou.aliyuncs.com`, `oss-cn-hangzhou-internal.aliyuncs.com`, `https://host:port`,
   * `http://localhost:9000`, a custom domain… Scheme, host and port only. Defaults to
   * `oss-<region>.aliyuncs.com`.
   */
  readonly endpoint?: string | undefined;
  /** Bucket in the path (`http://localhost:9000/bucket/key`). Implied for IP endpoints. */
  readonly pathStyle?: boolean | undefined;
  /** The endpoint is a custom domain bound to the bucket: no bucket in host or path (still signed). */
  readonly cname?: boolean | undefined;
  /** Scheme when the endpoint has none: https unless `false`. */
  readonly secure?: boolean | undefined;
}

/** A fully resolved request target, ready for `fetch` (url) or `node:http` (the parts). */
export interface RequestTarget {
  readonly url: string;
  readonly protocol: 'http:' | 'https:';
  /** hostname[:port] as the `Host` header will read (default ports dropped). */
  readonly host: string;
  readonly hostname: string;
  readonly port: number | undefined;
  /** Encoded path plus `?query`: the HTTP request-target. */
  readonly path: string;
}

/** `response-*` overrides of GetObject (§3.2). */
export interface ResponseOverrides {
  readonly contentType?: string;
  readonly contentDisposition?: string;
  readonly contentLanguage?: string;
  readonly contentEncoding?: string;
  readonly cacheControl?: string;
  readonly expires?: string;
}

/** Options shared by both presigners. */
export interface PresignCommonOptions extends EndpointOptions {
  /** HTTP method, default `GET`. The method is signed: a GET URL does not work for HEAD. */
  readonly method?: string;
  readonly bucket?: string;
  /** Object key, 1..1023 UTF-8 bytes, never normalised. Omit for bucket-level requests. */
  readonly key?: string;
  /** Validity in seconds from `date`. V4: integer 1..604800. V1: integer >= 1. */
  readonly expires: number;
  /** Bare (`cn-hangzhou`) or prefixed (`oss-cn-hangzhou`); derived from an aliyuncs.com endpoint. */
  readonly region?: string;
  readonly credentials: Credentials;
  /**
   * Headers the downloader will send. `content-type`, `content-md5` and `x-oss-*` are signed and
   * must then be sent byte-identical (pitfall 8); others only when listed in `additionalHeaders`.
   */
  readonly headers?: HeaderInput;
  readonly query?: QueryInput;
  /** Convenience for `query.versionId`. */
  readonly versionId?: string;
  /** Convenience for `query['x-oss-process']` (image/video processing). */
  readonly process?: string;
  readonly response?: ResponseOverrides;
  /** Convenience for `query['x-oss-traffic-limit']` (bit/s). */
  readonly trafficLimit?: number | string;
  /** The clock: signing time as a `Date` or epoch ms. Default: now. */
  readonly date?: Date | number;
}

/** `presignUrl` options (V4). */
export interface PresignOptions extends PresignCommonOptions {
  /**
   * Extra header names to sign (V4 `x-oss-additional-headers`); each must be in `headers`,
   * except `host`, which is filled in from the URL when absent.
   */
  readonly additionalHeaders?: readonly string[];
}

/** A presigned URL and what the request using it must look like. */
export interface PresignedRequest {
  readonly url: string;
  readonly method: string;
  /** The signed headers, exactly as the caller must send them (Go SDK v2 `SignedHeaders`). */
  readonly headers: Readonly<Record<string, string>>;
  readonly expiresAt: Date;
  /** Lower-case names of the signed headers, sorted. */
  readonly signedHeaders: readonly string[];
  /** Debug aid (V4): the canonical request that was signed. Empty for V1. */
  readonly canonicalRequest: string;
  /** Debug aid: the string that was signed. */
  readonly stringToSign: string;
}

/** A request to sign with an `Authorization` header. */
export interface SignableRequest {
  readonly method?: string;
  /** Omit for service-level requests (ListBuckets). */
  readonly bucket?: string;
  /** Omit (or leave undefined) for bucket-level requests. */
  readonly key?: string;
  readonly query?: QueryInput;
  readonly headers?: HeaderInput;
}

/** Options of `signRequest` / `signRequestV1`. Give `endpoint` (or `region`) to also get a URL. */
export interface SignOptions extends EndpointOptions {
  /** Required for V4 unless derivable from `endpoint`. */
  readonly region?: string;
  /** V4 only: extra header names to sign (see `PresignOptions.additionalHeaders`). */
  readonly additionalHeaders?: readonly string[];
  /** The clock, as for presigning. */
  readonly date?: Date | number;
}

/** Result of header signing. */
export interface SignedRequest {
  readonly method: string;
  /** The caller's headers plus `x-oss-date`, `x-oss-content-sha256` (V4), `x-oss-security-token`, `authorization`. */
  readonly headers: Readonly<Record<string, string>>;
  readonly authorization: string;
  readonly signature: string;
  /** Present when `endpoint` or `region` was given. */
  readonly url?: string;
  readonly target?: RequestTarget;
  /** Lower-case names of the signed headers, sorted. */
  readonly signedHeaders: readonly string[];
  /** V4: the canonical request. Empty for V1. */
  readonly canonicalRequest: string;
  readonly stringToSign: string;
}

/** A POST policy document (`expiration` + `conditions`), or anything JSON. */
export type PostPolicy = Readonly<Record<string, unknown>>;

export interface PostPolicyV4Options {
  /**
   * The policy: an object (serialised with `JSON.stringify`; the `x-oss-signature-version`,
   * `x-oss-credential`, `x-oss-date` and `x-oss-security-token` conditions OSS requires are
   * appended) or an already base64-encoded policy string (signed as is).
   */
  readonly policy: PostPolicy | string;
  readonly credentials: Credentials;
  readonly region: string;
  readonly date?: Date | number;
}

/**
 * Form fields for a V4 PostObject upload (send them before the `file` field). A type alias, not
 * an interface, so it can be passed where a `Record<string, string>` of form fields is expected.
 */
export type PostPolicyV4Fields = {
  readonly policy: string;
  readonly 'x-oss-signature-version': 'OSS4-HMAC-SHA256';
  readonly 'x-oss-credential': string;
  readonly 'x-oss-date': string;
  readonly 'x-oss-signature': string;
  readonly 'x-oss-security-token'?: string;
};
