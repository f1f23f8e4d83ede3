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

// LRU of HMAC keys (64 entries; re-insertion marks recent use). Promises are cached so
// concurrent first calls share one derivation; failures are evicted.
const keys = new Map<string, Promise<CryptoKey>>();

/**
 * The HMAC key as a non-extractable `CryptoKey`: V1 the secret (SHA-1); V4 the §2.3 signing key
 * (SHA-256), derived once per (secret, day, region).
 */
function hmacKey(p: SignPlan<unknown>): Promise<CryptoKey> {
  const hash = p.v4 ? 'SHA-256' : 'SHA-1';
  const steps = p.v4 ? [p.day!, p.region!, 'oss', 'aliyun_v4_request'] : [];
  const id = [hash, ...steps, p.secret].join('\n');
  let k = keys.get(id);
  keys.delete(id);
  if (!k) {
    const importKey = (raw: BufferSource) => subtle().importKey('raw', raw, { name: 'HMAC', hash }, false, ['sign']);
    k = (async () => {
      let raw: BufferSource = utf8.encode(p.v4 ? 'aliyun_v4' + p.secret : p.secret);
      for (const part of steps) raw = await subtle().sign('HMAC', await importKey(raw), utf8.encode(part));
      return importKey(raw);
    })();
    k.catch(() => keys.delete(id));
  }
  keys.set(id, k);
  if (keys.size > 64) keys.delete(keys.keys().next().value!);
  return k;
}

export async function runAsync<R>(p: SignPlan<R>): Promise<R> {
  const key = hmacKey(p);
  let sts = p.head;
  if (p.canonicalRequest !== undefined) {
    sts += toHex(new Uint8Array(await subtle().digest('SHA-256', utf8.encode(p.canonicalRequest))));
  }
  const sig = new Uint8Array(await subtle().sign('HMAC', await key, utf8.encode(sts)));
  return p.finish(p.v4 ? toHex(sig) : toBase64(sig), sts);
}
