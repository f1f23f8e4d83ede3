/**
 * Who can sign requests. `AccessKeyStore.lookup` is what the verifier calls (synchronously,
 * before any HMAC work: verify-api.ts `VerifyOptions.lookup`); it returns the secret the
 * verifier needs and the principal the authorizer decides for.
 *
 * Today there is one key: the root key of the single account. RAM users and STS temporary
 * keys slot in as more entries (a `securityToken` on the record makes the verifier require
 * `x-oss-security-token`) and more `Principal` kinds, without touching the pipeline.
 */
import { createHash } from 'node:crypto';
import type { AccessKeyRecord } from '@pail/sign/verify';

export type { AccessKeyRecord };

/** Who is asking. Later: `{ kind: 'ram-user', … }`, `{ kind: 'sts', …, sessionPolicy }`. */
export type Principal =
  | { readonly kind: 'anonymous' }
  | {
      readonly kind: 'root';
      readonly accessKeyId: string;
      /** The account's owner id, as Owner/ID in listings and ACL documents. */
      readonly accountId: string;
    };

export const ANONYMOUS: Principal = Object.freeze({ kind: 'anonymous' });

export interface AccessKeyEntry {
  readonly record: AccessKeyRecord;
  readonly principal: Principal;
}

export interface AccessKeyStore {
  /** undefined → InvalidAccessKeyId. Must be cheap: it runs on every signed request. */
  lookup(accessKeyId: string): AccessKeyEntry | undefined;
}

export class StaticAccessKeyStore implements AccessKeyStore {
  private readonly entries = new Map<string, AccessKeyEntry>();
  constructor(entries: readonly AccessKeyEntry[] = []) {
    for (const e of entries) this.add(e);
  }
  add(entry: AccessKeyEntry): void {
    this.entries.set(entry.record.accessKeyId, entry);
  }
  lookup(accessKeyId: string): AccessKeyEntry | undefined {
    return this.entries.get(accessKeyId);
  }
}

/**
 * A stable, numeric, OSS-looking account id (16 digits) derived from an access key id, so
 * Owner/ID stays the same across restarts without storing anything else.
 */
export function accountIdFor(accessKeyId: string): string {
  const h = createHash('sha256').update(`pail-account:${accessKeyId}`).digest();
  return (10n ** 15n + (h.readBigUInt64BE(0) % (9n * 10n ** 15n))).toString();
}

export function rootEntry(accessKeyId: string, accessKeySecret: string): AccessKeyEntry {
  return {
    record: { accessKeyId, accessKeySecret },
    principal: { kind: 'root', accessKeyId, accountId: accountIdFor(accessKeyId) },
  };
}
