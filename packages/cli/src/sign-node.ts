/**
 * The synchronous signers of `@pail/sign`'s Node entry, typed. At run time `@pail/sign`
 * resolves to `dist/src/node.js` (the "node" export condition), but the package's "types"
 * condition points at the universal entry, which does not declare the `*Sync` functions.
 * Typed here until the export map gives Node its own types; then this file can re-export.
 */
import * as sign from '@pail/sign';
import type {
  Credentials,
  PresignCommonOptions,
  PresignedRequest,
  PresignOptions,
  SignableRequest,
  SignedRequest,
  SignOptions,
} from '@pail/sign';

interface NodeSigners {
  presignUrlSync(options: PresignOptions): PresignedRequest;
  presignUrlV1Sync(options: PresignCommonOptions): PresignedRequest;
  signRequestSync(request: SignableRequest, credentials: Credentials, options?: SignOptions): SignedRequest;
}

const signers = sign as unknown as NodeSigners;

export const presignUrlSync: NodeSigners['presignUrlSync'] = (o) => signers.presignUrlSync(o);
export const presignUrlV1Sync: NodeSigners['presignUrlV1Sync'] = (o) => signers.presignUrlV1Sync(o);
export const signRequestSync: NodeSigners['signRequestSync'] = (r, c, o) => signers.signRequestSync(r, c, o);
