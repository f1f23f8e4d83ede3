/**
 * Authentication: the verifier (`@pail/sign/verify`) checks the signature against the
 * decoded request parts the parser produced (never a WHATWG URL); this module turns its
 * verdict into a `Principal`. Failures come back as the verifier's `AuthFailure`, which
 * errors/map.ts turns into the OSS error.
 */
import { type AuthFailure, type AuthScheme, verifyRequest } from '@pail/sign/verify';
import type { RequestHeaders } from '../protocol/headers.js';
import type { ParsedRequest } from '../protocol/request.js';
import { ANONYMOUS, type AccessKeyEntry, type AccessKeyStore, type Principal } from './keys.js';

export interface Authenticated {
  readonly ok: true;
  readonly principal: Principal;
  readonly scheme: AuthScheme;
  readonly accessKeyId: string | null;
}

export interface AuthenticateOptions {
  readonly now: number;
  readonly region: string;
  readonly keys: AccessKeyStore;
}

export function authenticate(parsed: ParsedRequest, headers: RequestHeaders, options: AuthenticateOptions): Authenticated | AuthFailure {
  // The entry the verifier looked up is the one the principal comes from: one key-store lookup.
  let entry: AccessKeyEntry | undefined;
  const result = verifyRequest(
    {
      method: parsed.method,
      bucket: parsed.bucket,
      key: parsed.key,
      query: parsed.query,
      headers: headers as Readonly<Record<string, string | string[] | undefined>>,
    },
    {
      now: options.now,
      region: options.region,
      lookup: (id) => {
        entry = options.keys.lookup(id);
        return entry?.record;
      },
    },
  );
  if (!result.ok) return result;
  if (result.accessKeyId === null) return { ok: true, principal: ANONYMOUS, scheme: result.scheme, accessKeyId: null };
  if (entry?.record.accessKeyId !== result.accessKeyId) {
    // Not the key the verifier saw (a verifier that did not look it up): fail closed.
    return { ok: false, scheme: result.scheme, reason: 'InvalidAccessKeyId', message: 'access key not found', accessKeyId: result.accessKeyId };
  }
  return { ok: true, principal: entry.principal, scheme: result.scheme, accessKeyId: result.accessKeyId };
}
