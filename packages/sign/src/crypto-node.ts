/** Sync primitives on `node:crypto` for the Node entry; same plans as the WebCrypto path. */
import * as crypto from 'node:crypto';
import { createHash, createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { Lru } from './lru.js';
import type { SignPlan } from './plan.js';

const keys = new Lru<KeyObject>(64);

// One-shot hashing (Node >= 20.12) skips the Hash object; fall back to createHash.
const oneShot = (crypto as { hash?: (alg: string, data: string, enc: 'hex') => string }).hash;
export const sha256Hex = (data: string): string =>
  oneShot ? oneShot('sha256', data, 'hex') : createHash('sha256').update(data).digest('hex');

/** §2.3: kDate → kRegion → kProduct → kSigning. Uncached; callers cache. */
export function deriveSigningKey(secret: string, day: string, region: string): Buffer {
  let k = createHmac('sha256', 'aliyun_v4' + secret)
    .update(day)
    .digest();
  for (const part of [region, 'oss', 'aliyun_v4_request']) k = createHmac('sha256', k).update(part).digest();
  return k;
}

let last: [string, string, string, KeyObject] | undefined;

/**
 * Cached as a KeyObject (HMAC setup is a little cheaper than from raw bytes); the last key used
 * is checked first, as one secret signing all day is the common case.
 */
function signingKey(secret: string, day: string, region: string): KeyObject {
  if (last && last[0] === secret && last[1] === day && last[2] === region) return last[3];
  const id = `${day}\n${region}\n${secret}`;
  let k = keys.get(id);
  if (k === undefined) {
    k = createSecretKey(deriveSigningKey(secret, day, region));
    keys.set(id, k);
  }
  last = [secret, day, region, k];
  return k;
}

export function runSync<R>(p: SignPlan<R>): R {
  if (!p.v4) return p.finish(createHmac('sha1', p.secret).update(p.head).digest('base64'), p.head);
  const sts = p.canonicalRequest === undefined ? p.head : p.head + sha256Hex(p.canonicalRequest);
  return p.finish(createHmac('sha256', signingKey(p.secret, p.day, p.region)).update(sts).digest('hex'), sts);
}
