/**
 * Signature comparison is constant-time on fixed-length digests (issue 5; style rule 3). Not a
 * timing test: `node:crypto.timingSafeEqual` is instrumented (builtin ESM exports are live
 * bindings, refreshed by `syncBuiltinESMExports`) and every verification of a well-formed
 * signature — right or wrong, V4 or V1, header or URL — must go through it with two buffers of
 * the digest's fixed length, one of them the digest the server computed. Signatures of the wrong
 * length or alphabet are refused on format alone (public information), never compared as strings
 * and never throwing (timingSafeEqual throws on unequal lengths: a 500 waiting to happen).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { test } from 'node:test';
import type { QueryParam, VerifyOptions, VerifyRequest, VerifyResult } from '@pail/sign/verify';
import { presignV1Query, presignV4Query, type Query, signV1Header, signV4Header } from './lib/sig.js';

const creds = { accessKeyId: 'LTAIconstantTime0001', accessKeySecret: 'constant-time-secret' };
const REGION = 'cn-hangzhou';
const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

const calls: Array<[Buffer, Buffer]> = [];
const original = crypto.timingSafeEqual;

function toParams(q: Query): QueryParam[] {
  return q.map(([name, value]) => ({ name, value: value ?? '', hasValue: value !== null }));
}

function lowerHeaders(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

test('signature checks go through timingSafeEqual on fixed-length digests', async () => {
  crypto.timingSafeEqual = ((a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
    calls.push([Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)]);
    return original(a, b);
  }) as typeof crypto.timingSafeEqual;
  syncBuiltinESMExports();
  try {
    const { verifyRequest } = await import('@pail/sign/verify');
    const opts: VerifyOptions = { now: NOW, region: REGION, lookup: (id) => (id === creds.accessKeyId ? { accessKeyId: id, accessKeySecret: creds.accessKeySecret } : undefined) };
    const run = (req: VerifyRequest): { result: VerifyResult; compared: Array<[Buffer, Buffer]> } => {
      calls.length = 0;
      let result: VerifyResult;
      assert.doesNotThrow(() => {
        result = verifyRequest(req, opts);
      }, 'verifyRequest threw');
      return { result: result!, compared: [...calls] };
    };
    const base = { method: 'GET', bucket: 'bkt', key: 'dir/obj.txt' } as const;

    // Well-formed signatures: the right one and wrong ones of the same shape.
    const v4h = signV4Header(creds, { ...base, query: [], headers: {}, region: REGION, now: NOW });
    const v4sig = /Signature=([0-9a-f]{64})/.exec(v4h.authorization!)![1]!;
    const v4q = presignV4Query(creds, { ...base, query: [], headers: {}, region: REGION, now: NOW, expires: 600 });
    const v4qsig = v4q.find(([n]) => n === 'x-oss-signature')![1]!;
    const v1h = signV1Header(creds, { ...base, query: [], headers: {}, now: NOW });
    const v1sig = v1h.authorization!.split(':')[1]!;
    const v1q = presignV1Query(creds, { ...base, query: [], headers: {}, expiresAt: Math.floor(NOW / 1000) + 600 });
    const v1qsig = v1q.find(([n]) => n === 'Signature')![1]!;

    const flipHex = (s: string, i: number) => s.slice(0, i) + (s[i] === '0' ? '1' : '0') + s.slice(i + 1);
    // the 27th character of a 20-byte base64 carries 2 bits: stay within its canonical alphabet
    const flipB64 = (s: string, i: number) => s.slice(0, i) + (i === 26 ? (s[i] === 'A' ? 'E' : 'A') : s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);

    type Case = { name: string; req: VerifyRequest; ok: boolean; digestLen: number; expected: Buffer };
    const cases: Case[] = [];
    const v4Header = (sig: string): VerifyRequest => ({ ...base, query: [], headers: lowerHeaders({ ...v4h, authorization: v4h.authorization!.replace(v4sig, sig) }) });
    const v4Url = (sig: string): VerifyRequest => ({ ...base, query: toParams(v4q.map(([n, v]) => [n, n === 'x-oss-signature' ? sig : v])), headers: {} });
    const v1Header = (sig: string): VerifyRequest => ({ ...base, query: [], headers: lowerHeaders({ ...v1h, authorization: `OSS ${creds.accessKeyId}:${sig}` }) });
    const v1Url = (sig: string): VerifyRequest => ({ ...base, query: toParams(v1q.map(([n, v]) => [n, n === 'Signature' ? sig : v])), headers: {} });
    for (const i of [0, 31, 63]) {
      cases.push({ name: `V4 header, wrong char ${i}`, req: v4Header(flipHex(v4sig, i)), ok: false, digestLen: 32, expected: Buffer.from(v4sig, 'hex') });
      cases.push({ name: `V4 URL, wrong char ${i}`, req: v4Url(flipHex(v4qsig, i)), ok: false, digestLen: 32, expected: Buffer.from(v4qsig, 'hex') });
    }
    for (const i of [0, 13, 26]) {
      cases.push({ name: `V1 header, wrong char ${i}`, req: v1Header(flipB64(v1sig, i)), ok: false, digestLen: 20, expected: Buffer.from(v1sig, 'base64') });
      cases.push({ name: `V1 URL, wrong char ${i}`, req: v1Url(flipB64(v1qsig, i)), ok: false, digestLen: 20, expected: Buffer.from(v1qsig, 'base64') });
    }
    cases.push({ name: 'V4 header, right', req: v4Header(v4sig), ok: true, digestLen: 32, expected: Buffer.from(v4sig, 'hex') });
    cases.push({ name: 'V4 URL, right', req: v4Url(v4qsig), ok: true, digestLen: 32, expected: Buffer.from(v4qsig, 'hex') });
    cases.push({ name: 'V1 header, right', req: v1Header(v1sig), ok: true, digestLen: 20, expected: Buffer.from(v1sig, 'base64') });
    cases.push({ name: 'V1 URL, right', req: v1Url(v1qsig), ok: true, digestLen: 20, expected: Buffer.from(v1qsig, 'base64') });

    for (const c of cases) {
      const { result, compared } = run(c.req);
      assert.equal(result.ok, c.ok, `${c.name}: ${JSON.stringify(result).slice(0, 200)}`);
      if (!result.ok) assert.equal(result.reason, 'SignatureDoesNotMatch', c.name);
      assert.ok(compared.length >= 1, `${c.name}: the signature was not compared with timingSafeEqual`);
      for (const [a, b] of compared) assert.equal(a.length, b.length, `${c.name}: unequal lengths reached timingSafeEqual`);
      assert.ok(
        compared.some(([a, b]) => a.length === c.digestLen && (a.equals(c.expected) || b.equals(c.expected))),
        `${c.name}: no ${c.digestLen}-byte comparison involving the computed digest (got ${compared.map(([a]) => a.length).join(',')})`,
      );
    }

    // Malformed signatures: refused without throwing; whatever is compared has equal lengths.
    const malformed: Array<[string, VerifyRequest]> = [
      ['V4 header, 63 hex', v4Header(v4sig.slice(1))],
      ['V4 header, 65 hex', v4Header(v4sig + '0')],
      ['V4 header, 200 hex', v4Header(v4sig.repeat(4).slice(0, 200))],
      ['V4 header, upper case', v4Header(v4sig.toUpperCase())],
      ['V4 header, empty', v4Header('')],
      ['V4 URL, 1 char', v4Url('a')],
      ['V4 URL, non-hex', v4Url('z'.repeat(64))],
      ['V4 URL, multibyte', v4Url('é'.repeat(32))],
      ['V1 header, short', v1Header(v1sig.slice(2))],
      ['V1 header, long', v1Header(v1sig + 'AAAA')],
      ['V1 header, not base64', v1Header('!'.repeat(28))],
      ['V1 URL, empty', v1Url('')],
      ['V1 URL, 5000 chars', v1Url('A'.repeat(5000))],
    ];
    for (const [name, req] of malformed) {
      const { result, compared } = run(req);
      assert.equal(result.ok, false, `${name}: accepted`);
      for (const [a, b] of compared) assert.equal(a.length, b.length, `${name}: unequal lengths reached timingSafeEqual`);
    }
    console.log(`# constant-time: ${cases.length} well-formed and ${malformed.length} malformed signatures checked`);
  } finally {
    crypto.timingSafeEqual = original;
    syncBuiltinESMExports();
  }
});
