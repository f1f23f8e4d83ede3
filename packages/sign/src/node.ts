/**
 * Node entry of `@pail/sign`: everything from the universal entry plus synchronous signers on
 * `node:crypto` (same canonicalisation code, only the HMAC/SHA primitives differ).
 * @packageDocumentation
 */
import { runSync } from './crypto-node.js';
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

export * from './index.js';

/** Synchronous {@link presignUrl}. */
export function presignUrlSync(options: PresignOptions): PresignedRequest {
  return runSync(planPresignV4(options));
}

/** Synchronous {@link signRequest}. */
export function signRequestSync(request: SignableRequest, credentials: Credentials, options?: SignOptions): SignedRequest {
  return runSync(planSignV4(request, credentials, options));
}

/** Synchronous {@link presignUrlV1}. */
export function presignUrlV1Sync(options: PresignCommonOptions): PresignedRequest {
  return runSync(planPresignV1(options));
}

/** Synchronous {@link signRequestV1}. */
export function signRequestV1Sync(request: SignableRequest, credentials: Credentials, options?: SignOptions): SignedRequest {
  return runSync(planSignV1(request, credentials, options));
}

/** Synchronous {@link signPostPolicyV4}. */
export function signPostPolicyV4Sync(options: PostPolicyV4Options): PostPolicyV4Fields {
  return runSync(planPostPolicyV4(options));
}
