/**
 * Node entry of `@pail/sign` (the package's `node` export condition): the same API as the
 * universal entry, with the HMAC/SHA primitives on `node:crypto` instead of WebCrypto, plus
 * synchronous twins (`presignUrlSync`, …). Same canonicalisation code, same results.
 *
 * Why the async functions are not the universal entry's own: in Node every `crypto.subtle` call
 * is a thread-pool round trip, which makes WebCrypto signing about 10x slower than `node:crypto`;
 * here they wrap the synchronous twins instead.
 * @packageDocumentation
 */
import { runSync } from './crypto-node.js';
import type * as universal from './index.js';
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

// Local exports below take precedence over these star re-exports (same names, faster crypto).
export * from './index.js';

/** Synchronous `presignUrl` (V4 presigned URL, §2.5). Throws RangeError/TypeError on bad input. */
export function presignUrlSync(options: PresignOptions): PresignedRequest {
  return runSync(planPresignV4(options));
}

/** Synchronous `signRequest` (V4 Authorization header, §2.4). */
export function signRequestSync(request: SignableRequest, credentials: Credentials, options?: SignOptions): SignedRequest {
  return runSync(planSignV4(request, credentials, options));
}

/** Synchronous `presignUrlV1` (legacy V1 presigned URL, §3.3). */
export function presignUrlV1Sync(options: PresignCommonOptions): PresignedRequest {
  return runSync(planPresignV1(options));
}

/** Synchronous `signRequestV1` (legacy V1 Authorization header, §3.1). */
export function signRequestV1Sync(request: SignableRequest, credentials: Credentials, options?: SignOptions): SignedRequest {
  return runSync(planSignV1(request, credentials, options));
}

/** Synchronous `signPostPolicyV4` (§2.7). */
export function signPostPolicyV4Sync(options: PostPolicyV4Options): PostPolicyV4Fields {
  return runSync(planPostPolicyV4(options));
}

// The async API of the universal entry, typed by it, on the synchronous twins: async, so
// validation errors become rejections, never synchronous throws.

/** `presignUrl` of the universal entry, on node:crypto. */
export const presignUrl: typeof universal.presignUrl = async (options) => presignUrlSync(options);

/** `signRequest` of the universal entry, on node:crypto. */
export const signRequest: typeof universal.signRequest = async (request, credentials, options) =>
  signRequestSync(request, credentials, options);

/** `presignUrlV1` of the universal entry, on node:crypto. */
export const presignUrlV1: typeof universal.presignUrlV1 = async (options) => presignUrlV1Sync(options);

/** `signRequestV1` of the universal entry, on node:crypto. */
export const signRequestV1: typeof universal.signRequestV1 = async (request, credentials, options) =>
  signRequestV1Sync(request, credentials, options);

/** `signPostPolicyV4` of the universal entry, on node:crypto. */
export const signPostPolicyV4: typeof universal.signPostPolicyV4 = async (options) => signPostPolicyV4Sync(options);
