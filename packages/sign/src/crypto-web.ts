/**
 * Async primitives on WebCrypto (`crypto.subtle`) and `TextEncoder` only: the universal entry
 * runs in browsers, workers and edge runtimes. No `Buffer`, no `node:` imports.
 */
import { toBase64, toHex } from './encode.js';
import type { SignPlan } from './plan.js';

const utf8 = new TextEncoder();

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error('WebCrypto (crypto.subtle) is required');
  return s;
}

function importKey(raw: BufferSource, hash: 'SHA-256' | 'SHA-1'): Promise<CryptoKey> {
  return subtle().importKey('raw', raw, { name: 'HMAC', hash }, false, ['sign']);
}

function hmac(key: CryptoKey, data: string): Promise<ArrayBuffer> {
  return subtle().sign('HMAC', key, utf8.encode(data));
}

// LRU of derived keys (64 entries; re-insertion marks recent use). Promises are cached so
// concurrent first calls share one derivation; failures are evicted.
const keys = new Map<string, Promise<CryptoKey>>();

function cached(id: string, derive: () => Promise<CryptoKey>): Promise<CryptoKey> {
  let k = keys.get(id);
  keys.delete(id);
  if (!k) {
    k = derive();
    k.catch(() => keys.delete(id));
  }
  keys.set(id, k);
  if (keys.size > 64) keys.delete(keys.keys().next().value!);
  return k;
}

/** §2.3 signing key as a non-extractable HMAC-SHA256 key, cached per (secret, day, region). */
function signingKey(secret: string, day: string, region: string): Promise<CryptoKey> {
  return cached(`4\n${day}\n${region}\n${secret}`, async () => {
    let k = await importKey(utf8.encode('aliyun_v4' + secret), 'SHA-256');
    for (const part of [day, region, 'oss']) k = await importKey(await hmac(k, part), 'SHA-256');
    return importKey(await hmac(k, 'aliyun_v4_request'), 'SHA-256');
  });
}

export async function runAsync<R>(p: SignPlan<R>): Promise<R> {
  const key = p.v4
    ? signingKey(p.secret, p.day, p.region)
    : cached(`1\n${p.secret}`, () => importKey(utf8.encode(p.secret), 'SHA-1'));
  let sts = p.head;
  if (p.canonicalRequest !== undefined) {
    sts += toHex(new Uint8Array(await subtle().digest('SHA-256', utf8.encode(p.canonicalRequest))));
  }
  const sig = new Uint8Array(await hmac(await key, sts));
  return p.finish(p.v4 ? toHex(sig) : toBase64(sig), sts);
}
