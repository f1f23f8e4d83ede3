/**
 * The harnesses sign with their own small signer (lib/sig.ts) so that a bug shared by the server
 * and `@pail/sign` cannot hide behind a round trip. This checks that signer against the shared
 * vectors (oss-signature.md §5) before any harness relies on it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { presignV1Query, presignV4Query, type Query, signV1Header, signV4Header } from './lib/sig.js';

interface Vector {
  name: string;
  version: 'v4-header' | 'v4-presign' | 'v1-header' | 'v1-presign';
  method: string;
  bucket: string | null;
  key: string;
  query: Record<string, string | null>;
  headers: Record<string, string>;
  additionalHeaders?: string[] | null;
  accessKeyId: string;
  accessKeySecret?: string;
  securityToken?: string | null;
  region: string | null;
  date: string | null;
  expires: number | null;
  expected: { signature: string };
}

const vectors = (
  JSON.parse(readFileSync(new URL('../../../../sign/test/fixtures/oss-signature-vectors.json', import.meta.url), 'utf8')) as { vectors: Vector[] }
).vectors;

function parseIsoBasic(d: string): number {
  return Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15));
}

const PRESIGN_NAMES = new Set(['x-oss-credential', 'x-oss-date', 'x-oss-expires', 'x-oss-signature-version', 'x-oss-additional-headers', 'x-oss-signature']);

test('reliability signer reproduces the shared signature vectors', () => {
  let checked = 0;
  for (const v of vectors) {
    if (!v.accessKeySecret) continue; // doc example with a bare signing key
    const creds = { accessKeyId: v.accessKeyId, accessKeySecret: v.accessKeySecret };
    const query: Query = Object.entries(v.query ?? {}).filter(([n]) => !PRESIGN_NAMES.has(n));
    if (v.version === 'v4-header' && v.date) {
      const headers = Object.fromEntries(Object.entries(v.headers).filter(([n]) => !/^(x-oss-date|x-oss-content-sha256|authorization)$/i.test(n)));
      const out = signV4Header(creds, {
        method: v.method,
        bucket: v.bucket,
        key: v.key,
        query,
        headers,
        additionalHeaders: v.additionalHeaders ?? [],
        region: v.region ?? 'cn-hangzhou',
        now: parseIsoBasic(v.date),
      });
      assert.ok(out.authorization!.endsWith(`Signature=${v.expected.signature}`), `${v.name}: ${out.authorization}`);
      checked++;
    } else if (v.version === 'v4-presign' && v.date && v.expires) {
      const q = presignV4Query(creds, {
        method: v.method,
        bucket: v.bucket,
        key: v.key,
        query,
        headers: v.headers,
        additionalHeaders: v.additionalHeaders ?? [],
        region: v.region ?? 'cn-hangzhou',
        now: parseIsoBasic(v.date),
        expires: v.expires,
      });
      assert.equal(q.find(([n]) => n === 'x-oss-signature')?.[1], v.expected.signature, v.name);
      checked++;
    } else if (v.version === 'v1-presign' && v.expires && v.bucket) {
      const q = presignV1Query(creds, { method: v.method, bucket: v.bucket, key: v.key, query, headers: v.headers, expiresAt: v.expires });
      assert.equal(q.find(([n]) => n === 'Signature')?.[1], v.expected.signature, v.name);
      checked++;
    } else if (v.version === 'v1-header' && v.headers) {
      const dateHeader = Object.entries(v.headers).find(([n]) => n.toLowerCase() === 'x-oss-date' || n.toLowerCase() === 'date');
      if (!dateHeader) continue;
      const usesOssDate = dateHeader[0].toLowerCase() === 'x-oss-date';
      if (!usesOssDate) continue; // signV1Header always sends x-oss-date, like ali-oss
      const headers = Object.fromEntries(Object.entries(v.headers).filter(([n]) => !/^(x-oss-date|authorization|date)$/i.test(n)));
      const out = signV1Header(creds, { method: v.method, bucket: v.bucket, key: v.key, query, headers, now: Date.parse(dateHeader[1]) });
      assert.equal(out.authorization, `OSS ${v.accessKeyId}:${v.expected.signature}`, v.name);
      checked++;
    }
  }
  console.log(`# sig: ${checked} vectors reproduced`);
  assert.ok(checked >= 12, `only ${checked} vectors checked`);
});
