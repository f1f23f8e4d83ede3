/**
 * `@pail/sign` — Alibaba Cloud OSS request signing and presigning: V4 (OSS4-HMAC-SHA256) and
 * legacy V1 (HMAC-SHA1). This universal entry is async and uses only WebCrypto and
 * `TextEncoder`, so it runs in browsers, workers and edge runtimes. In Node the package's
 * `node` export adds synchronous twins (`presignUrlSync`, …).
 *
 * Spec references (`§`) are to oss-signature.md.
 * @packageDocumentation
 */
import { runAsync } from './crypto-web.js';
import { planPostPolicyV4, planPresignV1, planPresignV4, planSignV1, planSignV4 } from './plan.js';
import type {
  Credentials,
  PostPolicyV4Fields,
  PostPolicyV4Options,
  PresignCommonOptions,
  PresignedRequest,
  PresignOptions,
  SignableRequest,
  SignedRequest,
  SignOptions,
} from './types.js';

export { buildRequestUrl, resolveRegion } from './endpoint.js';
export type { RequestUrlOptions } from './endpoint.js';
export type * from './types.js';

// Plain async functions: a synchronous validation error becomes a rejection, and each export
// is side-effect free, so bundlers drop the ones an application does not import.

/**
 * Presign a URL with V4 query authentication (§2.5).
 *
 * @example
 * const { url } = await presignUrl({
 *   bucket: 'photos', key: '2024/cat.jpg', expires: 3600, region: 'cn-hangzhou',
 *   credentials: { accessKeyId, accessKeySecret },
 * });
 * @throws RangeError for `expires` outside 1..604800 or a bad key length; TypeError for
 *   other invalid input (bucket name, missing region, header missing for `additionalHeaders`…).
 *   (As rejections: the promise rejects, nothing is thrown synchronously.)
 */
export async function presignUrl(options: PresignOptions): Promise<PresignedRequest> {
  return runAsync(planPresignV4(options));
}

/**
 * Sign a request with a V4 `Authorization` header (§2.4). Adds `x-oss-date`,
 * `x-oss-content-sha256: UNSIGNED-PAYLOAD`, `x-oss-security-token` (STS) and `authorization`
 * to the caller's headers and returns them merged, with the URL and the canonical strings.
 */
export async function signRequest(
  request: SignableRequest,
  credentials: Credentials,
  options?: SignOptions,
): Promise<SignedRequest> {
  return runAsync(planSignV4(request, credentials, options));
}

/**
 * Presign a URL with legacy V1 query authentication (§3.3). `expires` is seconds from `date`
 * like V4; the URL carries the absolute `Expires` = floor(date / 1000) + expires.
 * V1 URLs have no maximum validity and are unavailable to new Alibaba Cloud accounts.
 */
export async function presignUrlV1(options: PresignCommonOptions): Promise<PresignedRequest> {
  return runAsync(planPresignV1(options));
}

/** Sign a request with a legacy V1 `Authorization: OSS ak:signature` header (§3.1). */
export async function signRequestV1(
  request: SignableRequest,
  credentials: Credentials,
  options?: SignOptions,
): Promise<SignedRequest> {
  return runAsync(planSignV1(request, credentials, options));
}

/** Sign a PostObject policy with V4 and return the form fields to send (§2.7). */
export async function signPostPolicyV4(options: PostPolicyV4Options): Promise<PostPolicyV4Fields> {
  return runAsync(planPostPolicyV4(options));
}
