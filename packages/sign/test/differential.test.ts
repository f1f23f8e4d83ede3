/**
 * Differential test against the real ali-oss 6.23 (oss-signature.md §2.8, alioss-wire §3):
 * generated cases from a fixed, printed seed, run through both signers.
 *
 * Labels: `spec-safe` cases must give byte-identical signatures. Where ali-oss provably
 * deviates from the spec — it sorts raw names with `localeCompare` (`alioss-sort`) and signs a
 * caller's empty value as `name=` (`alioss-empty`) — the signatures must differ, and both URLs /
 * requests must still verify with our verifier (ours in the spec form, ali-oss's in its form).
 * Set SIGN_DIFF_SEED to reproduce another run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OSS from 'ali-oss';
import signUtils from 'ali-oss/lib/common/signUtils.js';
import { uriEncode } from '../src/encode.js';
import { presignUrl, presignUrlSync, presignUrlV1Sync, signRequestSync, signRequestV1Sync } from '../src/node.js';
import { SUBRESOURCES } from '../src/subresources.js';
import type { QueryParam, VerifyRequest } from '../src/verify-api.js';
import { verifyRequest } from '../src/verify.js';
import { assertSameUrl, prng, requestFromUrl, verifyOptions } from './helpers.js';

const SEED = Number(process.env['SIGN_DIFF_SEED'] ?? 0x0a1105);
const CASES = { 'v4-header': 800, 'v4-presign': 800, 'v1-header': 250, 'v1-presign': 250 };
const BUCKETS = ['diff-bucket', 'b-1', 'photos-2024'];
const SECRET = 'diffSecret+/=';
const AK = 'LTAI5tDiffAK';
const TOKEN = 'STS.diff/token+=';
const KEY_PIECES = ['a', 'Z', '0', ' ', '+', '%', '#', '?', '(', ')', '*', '!', "'", '~', '中文', '測', '😀', '//', './', '../', '-', '_', '.', '&', '=', ';', ',', '$', '@', ':', 'é', '%20', '%2F', '[x]'];
const NAME_CHARS = ['a', 'b', 'z', 'A', 'B', 'Z', '_', '-', '.', '~', '1', '9', '+', '|', ' ', '中', 'é', '(', '!', '*'];
const KNOWN_NAMES = ['acl', 'uploads', 'versionId', 'prefix', 'max-keys', 'list-type', 'delimiter', 'tagging', 'continuation-token', 'response-content-type', 'x-oss-process', 'Marker', 'encoding-type', 'resourceGroup'];
const VALUE_PIECES = ['v', 'V', '1', '/', '=', '&', '+', ' ', '%', '中', '😀', '~', '*', "'", 'x-y', '.'];
const V1_SUBRES = ['versionId', 'acl', 'tagging', 'x-oss-process', 'x-oss-traffic-limit', 'response-content-type', 'response-cache-control', 'continuation-token', 'resourceGroup', 'x-oss-custom'];
const V1_PLAIN = ['prefix', 'max-keys', 'delimiter', 'marker', 'Other'];

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

function genKey(r: Rand, allowLeadingSlash: boolean): string {
  let k = '';
  const n = int(r, 1, 8);
  for (let i = 0; i < n; i++) k += pick(r, KEY_PIECES);
  if (!allowLeadingSlash && (k[0] === '/' || k[0] === '?')) k = 'k' + k;
  return k;
}

function genValue(r: Rand): string {
  let v = '';
  const n = int(r, 1, 5);
  for (let i = 0; i < n; i++) v += pick(r, VALUE_PIECES);
  return v;
}

function genName(r: Rand): string {
  if (r() < 0.4) return pick(r, KNOWN_NAMES);
  let s = '';
  const n = int(r, 1, 5);
  for (let i = 0; i < n; i++) s += pick(r, NAME_CHARS);
  return s;
}

/**
 * Query as ali-oss's own API produces it (`createRequest`): an empty sub-resource becomes `null`
 * (signed bare), an empty caller query value stays `''` (signed `name=`). A `null` on any other
 * name (possible only by hand with `signatureUrlV4`) is signed bare but sent as `name=`; no rule
 * can tell it from `''` on the wire (alioss-wire §3.2 quirk 3), so it is not generated.
 */
function genQuery(r: Rand): Record<string, string | null> {
  const q: Record<string, string | null> = {};
  const n = int(r, 0, 5);
  for (let i = 0; i < n; i++) {
    const name = genName(r);
    if (name.startsWith('x-oss-') && name !== 'x-oss-process') continue;
    q[name] = r() < 0.35 ? (SUBRESOURCES.has(name) ? null : '') : genValue(r);
  }
  return q;
}

function genHeaders(r: Rand): { headers: Record<string, string>; additional: string[] } {
  const headers: Record<string, string> = {};
  if (r() < 0.5) headers[pick(r, ['Content-Type', 'content-type'])] = pick(r, ['text/plain', 'image/png', 'application/octet-stream; x=1']);
  if (r() < 0.2) headers['Content-MD5'] = 'XUFAKrxLKna5cZ2REBfFkg==';
  for (let i = int(r, 0, 2); i > 0; i--) headers[`x-oss-meta-${pick(r, ['a', 'b', 'Author', 'x_y'])}`] = pick(r, ['1', ' padded ', 'a b', 'v=1;w']);
  if (r() < 0.4) headers['Range'] = 'bytes=0-' + int(r, 1, 999);
  if (r() < 0.3) headers['Cache-Control'] = 'no-cache';
  if (r() < 0.3) headers['User-Agent'] = 'diff/1.0';
  // Case-insensitive duplicates are not HTTP; keep one spelling per name.
  const seen = new Set<string>();
  for (const k of Object.keys(headers)) {
    if (seen.has(k.toLowerCase())) delete headers[k];
    seen.add(k.toLowerCase());
  }
  const candidates = Object.keys(headers).filter((k) => !/^(content-type|content-md5)$/i.test(k));
  const additional = candidates.filter(() => r() < 0.4).map((k) => (r() < 0.5 ? k.toLowerCase() : k));
  return { headers, additional };
}

/** Which ali-oss deviations apply to this query (§2.8)? `signerNames`: what presigning adds. */
function label(q: Record<string, string | null>, signerNames: readonly string[] = []): string {
  const names = [...Object.keys(q), ...signerNames];
  const bySpec = [...names].sort((a, b) => {
    const x = uriEncode(a, false);
    const y = uriEncode(b, false);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const byAli = [...names].sort((a, b) => a.localeCompare(b));
  const sort = bySpec.join('\n') !== byAli.join('\n');
  const empty = names.some((n) => q[n] === '');
  return sort && empty ? 'alioss-sort+empty' : sort ? 'alioss-sort' : empty ? 'alioss-empty' : 'spec-safe';
}

const RealDate = Date;
/** ali-oss reads `new Date()` / `Date.now()` internally: freeze both around its synchronous part. */
function frozen<T>(ms: number, f: () => T): T {
  class FrozenDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(ms);
      else super(...(args as [number]));
    }
    static override now(): number {
      return ms;
    }
  }
  globalThis.Date = FrozenDate as DateConstructor;
  try {
    return f();
  } finally {
    globalThis.Date = RealDate;
  }
}

const clients = new Map<string, OSS>();
function client(bucket: string, sts: boolean, pathStyle: boolean): OSS {
  const id = `${bucket}|${sts}|${pathStyle}`;
  let c = clients.get(id);
  if (!c) {
    // ali-oss warns on stderr for every STS client without a refresh callback; keep the log clean.
    const warn = console.warn;
    console.warn = () => {};
    try {
      c = new OSS({
        accessKeyId: AK,
        accessKeySecret: SECRET,
        ...(sts ? { stsToken: TOKEN } : {}),
        bucket,
        region: 'oss-cn-hangzhou',
        endpoint: pathStyle ? 'http://localhost:9000' : 'https://oss-cn-hangzhou.aliyuncs.com',
        sldEnable: pathStyle,
        authorizationV4: true,
      });
    } finally {
      console.warn = warn;
    }
    clients.set(id, c);
  }
  return c;
}

const keyRecord = (sts: boolean) => ({ accessKeyId: AK, accessKeySecret: SECRET, ...(sts ? { securityToken: TOKEN } : {}) });

function count(counts: Record<string, number>, k: string): void {
  counts[k] = (counts[k] ?? 0) + 1;
}

test(`differential vs ali-oss 6.23 (seed 0x${SEED.toString(16)})`, async (t) => {
  const r = prng(SEED);
  t.diagnostic(`seed 0x${SEED.toString(16)} (reproduce with SIGN_DIFF_SEED=${SEED})`);
  const counts: Record<string, Record<string, number>> = {};
  let total = 0;
  const day = RealDate.UTC(2025, 4, 20);

  for (let i = 0; i < CASES['v4-header']; i++) {
    const c: Record<string, number> = counts['v4-header'] ?? {};
    counts['v4-header'] = c;
    const bucketLevel = r() < 0.15;
    const service = !bucketLevel && r() < 0.05;
    const bucket = service ? undefined : pick(r, BUCKETS);
    const key = service || bucketLevel ? undefined : genKey(r, true);
    const method = pick(r, ['GET', 'PUT', 'POST', 'DELETE', 'HEAD']);
    const query = genQuery(r);
    const { headers, additional } = genHeaders(r);
    const sts = r() < 0.3;
    const cred = { accessKeyId: AK, accessKeySecret: SECRET, ...(sts ? { securityToken: TOKEN } : {}) };
    const now = day + int(r, 0, 86_399) * 1000;
    const ours = signRequestSync({ method, bucket, key, query, headers }, cred, {
      region: 'cn-hangzhou',
      endpoint: 'http://localhost:9000',
      pathStyle: true,
      additionalHeaders: additional,
      date: now,
    });
    const { authorization: _, ...sent } = ours.headers;
    const aliAuth = signUtils.authorizationV4(AK, SECRET, 'cn-hangzhou', method, { headers: sent, queries: query }, bucket, key, additional);
    const l = label(query);
    count(c, l);
    const wire = requestFromUrl(method, ours.url!, bucket ?? null, ours.headers);
    const aliWire: VerifyRequest = {
      ...wire,
      // ali-oss puts every empty value on the wire as `name=`.
      query: Object.entries(query).map(([name, v]): QueryParam => ({ name, value: v ?? '', hasValue: true })),
      headers: { ...wire.headers, authorization: aliAuth },
    };
    const o = verifyOptions(now + int(r, -800, 800) * 1000, [keyRecord(sts)]);
    const mine = verifyRequest(wire, o);
    const theirs = verifyRequest(aliWire, o);
    const ctx = () => `v4-header #${i} ${l} ${JSON.stringify({ method, bucket, key, query, headers, additional })}`;
    assert.equal(mine.ok && mine.form, 'spec', ctx());
    if (l === 'spec-safe') {
      assert.equal(ours.authorization, aliAuth, ctx());
      assert.equal(theirs.ok && theirs.form, 'spec', ctx());
    } else {
      assert.notEqual(ours.authorization, aliAuth, ctx());
      assert.equal(theirs.ok && theirs.form, 'ali-oss', `${ctx()} ${JSON.stringify(theirs)}`);
    }
    total++;
  }

  for (let i = 0; i < CASES['v4-presign']; i++) {
    const c: Record<string, number> = counts['v4-presign'] ?? {};
    counts['v4-presign'] = c;
    const bucket = pick(r, BUCKETS);
    const key = r() < 0.1 ? undefined : genKey(r, true);
    const method = pick(r, ['GET', 'PUT', 'HEAD']);
    const query = genQuery(r);
    const { headers, additional } = genHeaders(r);
    const sts = r() < 0.3;
    const pathStyle = r() < 0.5;
    const expires = int(r, 1, 604_800);
    const now = day + int(r, 0, 86_399) * 1000;
    const options = {
      method,
      bucket,
      key,
      expires,
      region: 'oss-cn-hangzhou',
      ...(pathStyle ? { endpoint: 'http://localhost:9000', pathStyle: true } : { endpoint: 'oss-cn-hangzhou.aliyuncs.com' }),
      credentials: { accessKeyId: AK, accessKeySecret: SECRET, ...(sts ? { securityToken: TOKEN } : {}) },
      headers,
      additionalHeaders: additional,
      query,
      date: now,
    };
    const ours = presignUrlSync(options);
    if (i % 8 === 0) assert.deepEqual(await presignUrl(options), ours, 'async and sync agree');
    const aliUrl = await frozen(now, () =>
      client(bucket, sts, pathStyle).signatureUrlV4(method, expires, { headers, queries: { ...query } }, key, additional),
    );
    const l = label(query, [
      'x-oss-credential',
      'x-oss-date',
      'x-oss-expires',
      'x-oss-signature-version',
      ...(sts ? ['x-oss-security-token'] : []),
      ...(ours.signedHeaders.some((h) => !/^(content-type|content-md5|x-oss-.*)$/.test(h)) ? ['x-oss-additional-headers'] : []),
    ]);
    count(c, l);
    const ctx = () => `v4-presign #${i} ${l} ${JSON.stringify({ method, key, query, headers, additional })}\n ours ${ours.url}\n ali  ${aliUrl}`;
    const o = verifyOptions(now + int(r, 0, expires) * 1000, [keyRecord(sts)]);
    const mine = verifyRequest(requestFromUrl(method, ours.url, bucket, { ...headers, ...ours.headers }), o);
    const theirs = verifyRequest(requestFromUrl(method, aliUrl, bucket, headers), o);
    assert.equal(mine.ok && mine.form, 'spec', `${ctx()} ${JSON.stringify(mine)}`);
    const ourSig = ours.url.slice(ours.url.lastIndexOf('=') + 1);
    const aliSig = /[?&]x-oss-signature=([0-9a-f]{64})/.exec(aliUrl)?.[1];
    if (l === 'spec-safe') {
      assert.equal(ourSig, aliSig, ctx());
      assertSameUrl(ours.url, aliUrl, ctx());
      assert.equal(theirs.ok && theirs.form, 'spec', ctx());
    } else {
      assert.notEqual(ourSig, aliSig, ctx());
      assert.equal(theirs.ok && theirs.form, 'ali-oss', `${ctx()} ${JSON.stringify(theirs)}`);
    }
    total++;
  }

  for (let i = 0; i < CASES['v1-header']; i++) {
    const c: Record<string, number> = counts['v1-header'] ?? {};
    counts['v1-header'] = c;
    const bucket = pick(r, BUCKETS);
    const key = r() < 0.15 ? undefined : genKey(r, false);
    const method = pick(r, ['GET', 'PUT', 'POST', 'DELETE']);
    const subres: Record<string, string | null> = {};
    const query: Record<string, string | null> = {};
    for (let n = int(r, 0, 4); n > 0; n--) {
      const name = r() < 0.6 ? pick(r, V1_SUBRES) : pick(r, V1_PLAIN);
      const value = r() < 0.3 ? null : genValue(r);
      query[name] = value;
      if (V1_SUBRES.includes(name)) subres[name] = value;
      else delete subres[name];
    }
    const { headers } = genHeaders(r);
    const sts = r() < 0.3;
    const now = day + int(r, 0, 86_399) * 1000;
    const ours = signRequestV1Sync(
      { method, bucket, key, query, headers },
      { accessKeyId: AK, accessKeySecret: SECRET, ...(sts ? { securityToken: TOKEN } : {}) },
      { endpoint: 'http://localhost:9000', pathStyle: true, date: now },
    );
    const { authorization: _, ...sent } = ours.headers;
    const resource = `/${bucket}/${key ?? ''}`;
    const aliSts = signUtils.buildCanonicalString(method, resource, { headers: sent, parameters: subres });
    const aliAuth = `OSS ${AK}:${signUtils.computeSignature(SECRET, aliSts)}`;
    count(c, 'spec-safe');
    const ctx = () => `v1-header #${i} ${JSON.stringify({ method, key, query, headers })}`;
    assert.equal(ours.stringToSign, aliSts, ctx());
    assert.equal(ours.authorization, aliAuth, ctx());
    const v = verifyRequest(requestFromUrl(method, ours.url!, bucket, ours.headers), verifyOptions(now, [keyRecord(sts)]));
    assert.equal(v.ok, true, `${ctx()} ${JSON.stringify(v)}`);
    total++;
  }

  for (let i = 0; i < CASES['v1-presign']; i++) {
    const c: Record<string, number> = counts['v1-presign'] ?? {};
    counts['v1-presign'] = c;
    const bucket = pick(r, BUCKETS);
    const key = genKey(r, false);
    const method = pick(r, ['GET', 'PUT']);
    const sts = r() < 0.3;
    const expires = int(r, 1, 10 * 86_400);
    const now = day + int(r, 0, 86_399) * 1000;
    const aliOptions: Record<string, unknown> = { method, expires };
    const ourHeaders: Record<string, string> = {};
    const subResource: Record<string, string> = {};
    if (r() < 0.4) aliOptions['content-type'] = ourHeaders['Content-Type'] = 'image/png';
    if (r() < 0.3) aliOptions['x-oss-meta-tag'] = ourHeaders['x-oss-meta-tag'] = 'v 1';
    const response = r() < 0.4 ? { contentDisposition: `attachment; filename="${genValue(r)}"` } : undefined;
    if (response) aliOptions['response'] = { 'content-disposition': response.contentDisposition };
    const process = r() < 0.3 ? 'image/resize,w_' + int(r, 1, 500) : undefined;
    if (process) aliOptions['process'] = process;
    const trafficLimit = r() < 0.2 ? int(r, 819_200, 838_860_800) : undefined;
    if (trafficLimit) aliOptions['trafficLimit'] = trafficLimit;
    if (r() < 0.4) subResource['versionId'] = genValue(r);
    if (Object.keys(subResource).length) aliOptions['subResource'] = subResource;
    const ours = presignUrlV1Sync({
      method,
      bucket,
      key,
      expires,
      endpoint: 'http://localhost:9000',
      pathStyle: true,
      credentials: { accessKeyId: AK, accessKeySecret: SECRET, ...(sts ? { securityToken: TOKEN } : {}) },
      headers: ourHeaders,
      query: subResource,
      response,
      process,
      trafficLimit,
      date: now,
    });
    const aliUrl = frozen(now, () => client(bucket, sts, true).signatureUrl(key, aliOptions));
    count(c, 'spec-safe');
    const ctx = () => `v1-presign #${i} ${JSON.stringify({ key, aliOptions })}\n ours ${ours.url}\n ali  ${aliUrl}`;
    assertSameUrl(ours.url, aliUrl, ctx());
    const o = verifyOptions(now, [keyRecord(sts)]);
    for (const url of [ours.url, aliUrl]) {
      const v = verifyRequest(requestFromUrl(method, url, bucket, ourHeaders), o);
      assert.equal(v.ok, true, `${ctx()} ${JSON.stringify(v)}`);
    }
    total++;
  }

  t.diagnostic(`cases: ${total}; by kind and label: ${JSON.stringify(counts)}`);
  console.log(`# differential seed=0x${SEED.toString(16)} cases=${total} ${JSON.stringify(counts)}`);
  assert.ok(total >= 2000);
  for (const kind of ['v4-header', 'v4-presign']) {
    for (const l of ['spec-safe', 'alioss-sort', 'alioss-empty']) {
      assert.ok((counts[kind]![l] ?? 0) >= 20, `${kind}: too few ${l} cases for this seed`);
    }
  }
});
