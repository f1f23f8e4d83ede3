/**
 * Async primitives on WebCrypto (`crypto.subtle`) and `TextEncoder` only: the universal entry
 * runs in browsers, workers and edge runtimes. No `Buffer`, no `node:` imports.
 */
import { toBase64, toHex } from './encode.js';
import type { SignPlan } from './plan.js';

const utf8 = /* @__PURE__ */ new TextEncoder();

// LRU of HMAC keys (64 entries; re-insertion marks recent use) as non-extractable `CryptoKey`s:
// V1 the secret, V4 the §2.3 signing key, derived once per (secret, scope). Promises are cached
// so concurrent first calls share one derivation; failures are evicted.
const keys = new Map<string, Promise<CryptoKey>>();

export async function runAsync<R>(p: SignPlan<R>): Promise<R> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new Error('WebCrypto (crypto.subtle) is required');
  const hash = p.v4 ? 'SHA-256' : 'SHA-1';
  const importKey = (raw: BufferSource) => subtle.importKey('raw', raw, { name: 'HMAC', hash }, false, ['sign']);
  const hmac = async (key: Promise<CryptoKey>, data: string) => subtle.sign('HMAC', await key, utf8.encode(data));
  const id = `${hash}\n${p.scope}\n${p.secret}`;
  let key = keys.get(id);
  keys.delete(id);
  if (!key) {
    key = (async () => {
      let raw: BufferSource = utf8.encode(p.v4 ? 'aliyun_v4' + p.secret : p.secret);
      // The V4 scope `<day>/<region>/oss/aliyun_v4_request` lists the derivation steps.
      for (const part of p.v4 ? p.scope!.split('/') : []) raw = await hmac(importKey(raw), part);
      return importKey(raw);
    })();
    key.catch(() => keys.delete(id));
  }
  keys.set(id, key);
  if (keys.size > 64) keys.delete(keys.keys().next().value!);
  let sts = p.head;
  if (p.canonicalRequest !== undefined) {
    sts += toHex(new Uint8Array(await subtle.digest('SHA-256', utf8.encode(p.canonicalRequest))));
  }
  const sig = new Uint8Array(await hmac(key, sts));
  return p.finish(p.v4 ? toHex(sig) : toBase64(sig), sts);
}
