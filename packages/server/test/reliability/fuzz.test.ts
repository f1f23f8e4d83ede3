/**
 * Hostile input (issue 5), property-based with fast-check and a fixed, printed seed:
 * random and mutated request targets, query strings, headers and Authorization values; validly
 * signed requests carrying hostile values; Range headers; chunked bodies; XML bodies
 * (CompleteMultipartUpload, DeleteMultipleObjects, ACL, CORS, policy, tagging) including entity
 * expansion, external entities and deep nesting.
 *
 * For every request: a response arrives (no hang), it is not a 500, an error is an OSS error
 * document (`<Error><Code>`; HEAD: `x-oss-request-id`), the process stays up, and its RSS stays
 * bounded. `PAIL_FUZZ_RUNS=<n>` multiplies the number of runs; `PAIL_SEED` replays.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { OssClient, xmlTag } from './lib/oss.js';
import { buildRequest, openSocket, ossErrorCode, parseResponse, type RawResponse, rawRequest } from './lib/raw.js';
import { freshDir, REGION, ROOT_CREDENTIALS, ServerProcess } from './lib/server-process.js';
import { type Query, queryString, requestPath, signV4Header, uriEncode } from './lib/sig.js';
import { chooseSeed, numberKnob, sha256, sleep } from './lib/util.js';

const RUNS = numberKnob('--fuzz-runs', 'PAIL_FUZZ_RUNS', 1);
const BUCKET = 'fuzz-target';
const OBJECT = Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 7 + 3) & 0xff));
/** RSS growth tolerated over the whole file (an unbounded allocation blows far past it). */
const RSS_SLACK = 256 << 20;

let server: ServerProcess;
let client: OssClient;
let dataDir: string;
let seed: number;
let rss0 = 0;
let rssPeak = 0;
const counts = new Map<string, number>();
const statuses = new Map<string, number>();

function bump(m: Map<string, number>, k: string, n = 1): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

function sampleRss(): void {
  const r = server.rss();
  if (r > rssPeak) rssPeak = r;
}

before(async () => {
  seed = chooseSeed('fuzz', 5150);
  dataDir = freshDir('fuzz');
  server = await ServerProcess.start({ dataDir });
  client = OssClient.forUrl(server.url, ROOT_CREDENTIALS, REGION);
  await client.putBucket(BUCKET);
  await client.putBucket('fuzz-signed');
  const put = await client.putObject(BUCKET, 'obj', OBJECT);
  assert.equal(put.status, 200, put.body.toString('utf8'));
  rss0 = server.rss();
});

after(async () => {
  client?.close();
  const died = server.child.exitCode !== null || server.child.signalCode !== null;
  await server?.stop();
  console.log(`# fuzz: seed ${seed}; cases run: ${JSON.stringify(Object.fromEntries(counts))}`);
  console.log(`# fuzz: statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  console.log(`# fuzz: server RSS start ${(rss0 / 2 ** 20).toFixed(1)} MiB, peak ${(rssPeak / 2 ** 20).toFixed(1)} MiB`);
  if (!died) server.removeFiles();
});

/** The invariants every response must satisfy. */
function checkResponse(label: string, method: string, r: RawResponse, sent: Buffer | string): void {
  const show = () => `\n--- sent:\n${sent.toString().slice(0, 600)}\n--- got:\n${r.raw.toString('latin1').slice(0, 600)}`;
  assert.ok(!r.timedOut, `${label}: no response (hang)${show()}`);
  assert.ok(r.status > 0, `${label}: connection closed without a response${show()}`);
  assert.notEqual(r.status, 500, `${label}: HTTP 500${show()}`);
  assert.ok(r.status < 500 || r.status === 501 || r.status === 503, `${label}: HTTP ${r.status}${show()}`);
  if (r.status >= 400) {
    if (method === 'HEAD') assert.ok(r.headers['x-oss-request-id'], `${label}: HEAD error without x-oss-request-id${show()}`);
    else assert.ok(ossErrorCode(r.body), `${label}: ${r.status} without an OSS error document${show()}`);
  }
  bump(statuses, `${r.status}${r.status >= 400 ? ` ${ossErrorCode(r.body) ?? ''}` : ''}`);
}

async function assertAlive(label: string): Promise<void> {
  assert.equal(server.child.exitCode, null, `${label}: server exited:\n${server.logTail()}`);
  const r = await client.getObject(BUCKET, 'obj');
  assert.equal(r.status, 200, `${label}: server no longer serves a plain GET`);
  assert.equal(sha256(r.body), sha256(OBJECT));
  sampleRss();
}

// ---- generators ----

const SUBRESOURCES = [
  'acl', 'uploads', 'uploadId', 'partNumber', 'delete', 'append', 'position', 'objectMeta', 'tagging', 'cors', 'policy',
  'lifecycle', 'list-type', 'max-keys', 'prefix', 'marker', 'delimiter', 'encoding-type', 'continuation-token', 'start-after',
  'fetch-owner', 'response-content-type', 'response-content-disposition', 'response-cache-control', 'x-oss-process',
  'versionId', 'versions', 'location', 'bucketInfo', 'stat', 'symlink', 'x-oss-signature', 'x-oss-credential', 'x-oss-date',
  'x-oss-expires', 'x-oss-signature-version', 'x-oss-additional-headers', 'OSSAccessKeyId', 'Expires', 'Signature',
  'security-token', 'x-oss-security-token', 'key-marker', 'upload-id-marker', 'max-uploads', 'max-parts',
  'part-number-marker', 'restore', 'website', 'referer', 'comp', 'x-oss-traffic-limit', 'objectInfo',
];
const NASTY_VALUES = [
  '', '-1', '0', '1', '10000', '10001', '99999999999999999999999', '1e3', '0x1f', 'NaN', 'Infinity', ' 1', '1.5', '-0',
  'true', 'url', 'xml', 'OSS4-HMAC-SHA256', 'OSS4-HMAC-SHA257', 'ak/20240101/cn-hangzhou/oss/aliyun_v4_request',
  `${ROOT_CREDENTIALS.accessKeyId}/20240101/cn-hangzhou/oss/aliyun_v4_request`, `${ROOT_CREDENTIALS.accessKeyId}//////`,
  '20240101T000000Z', '99991231T235959Z', '2024', 'x'.repeat(5000), '%', '%zz', '%00', 'AAAA====', '../..', '/', '\u202e',
  'image/resize,w_100', '604801', '604800', 'a;b;', ';', 'host', 'A;a', '0'.repeat(400),
];

const percentGarbage = fc.constantFrom('%', '%z', '%zz', '%0', '%00', '%C0%AE', '%ff', '%e9', '%E2%80%AE', '%EF%BC%8E', '%2e%2e', '%2E', '%2f', '%5c', '%25', '%0d%0a', '%09', '%20');

/** A path segment: literal, properly encoded, or hostile encodings. */
const segment = fc.oneof(
  fc.constantFrom('', '.', '..', 'fuzz-target', 'obj', 'fuzz-target', 'obj', 'nope', 'UPPER', 'a_b', '\\..\\', '..;', '~', '*', '+', ';', ':', '@', '!', "'", '(', ')', ',', '=', 'x'.repeat(1100), 'é', '\xff\xfe'),
  fc.string({ maxLength: 16 }).map((s) => uriEncode(s, false)),
  fc.array(fc.oneof(percentGarbage, fc.constantFrom('a', '.', '-', '/', '..')), { maxLength: 6 }).map((xs) => xs.join('')),
);

const queryParam = fc.tuple(
  fc.oneof(fc.constantFrom(...SUBRESOURCES), fc.string({ maxLength: 10 }).map((s) => uriEncode(s, false)), percentGarbage),
  fc.option(fc.oneof(fc.constantFrom(...NASTY_VALUES).map((v) => uriEncode(v, false)), fc.string({ maxLength: 30 }).map((s) => uriEncode(s, false)), percentGarbage, fc.constantFrom('a b', 'a+b', '==', '&', '#')), { nil: undefined }),
);

const target = fc.oneof(
  { weight: 10, arbitrary: fc.tuple(fc.array(segment, { minLength: 1, maxLength: 6 }), fc.array(queryParam, { maxLength: 6 }), fc.constantFrom('', '', '?', '&', '#frag')).map(([segs, q, tail]) => {
    const qs = q.map(([n, v]) => (v === undefined ? n : `${n}=${v}`)).join('&');
    return `/${segs.join('/')}${qs ? `?${qs}` : ''}${tail}`;
  }) },
  { weight: 1, arbitrary: fc.constantFrom('*', '', 'http://evil.example/x', '//', '/?', '/%', 'fuzz-target/obj', '/fuzz-target/obj?acl&acl', '/fuzz-target/obj?uploadId=1&uploadId=2', `/${'a'.repeat(9000)}`) },
);

const headerName = fc.oneof(
  fc.constantFrom(
    'Authorization', 'x-oss-date', 'Date', 'Range', 'Content-MD5', 'Content-Type', 'x-oss-copy-source', 'x-oss-copy-source-range', 'x-oss-acl',
    'x-oss-object-acl', 'x-oss-storage-class', 'x-oss-meta-a', 'If-Modified-Since', 'If-Unmodified-Since', 'If-Match', 'If-None-Match',
    'x-oss-forbid-overwrite', 'Content-Encoding', 'Expect', 'Host', 'x-oss-security-token', 'x-oss-content-sha256', 'Origin',
    'Access-Control-Request-Method', 'x-oss-metadata-directive', 'x-oss-range-behavior', 'x-oss-tagging', 'x-oss-server-side-encryption',
  ),
  fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9-]{0,20}$/),
);

const authValue = fc.oneof(
  fc.constantFrom(
    'OSS4-HMAC-SHA256', 'OSS4-HMAC-SHA256 ', 'OSS4-HMAC-SHA256 Credential=', 'OSS4-HMAC-SHA256 Credential=a,Signature=b',
    `OSS4-HMAC-SHA256 Credential=${ROOT_CREDENTIALS.accessKeyId}/20240101/cn-hangzhou/oss/aliyun_v4_request,Signature=${'0'.repeat(64)}`,
    `OSS4-HMAC-SHA256 Credential=${ROOT_CREDENTIALS.accessKeyId}/20240101/cn-hangzhou/oss/aliyun_v4_request,Signature=${'0'.repeat(63)}`,
    `OSS4-HMAC-SHA256 Credential=${ROOT_CREDENTIALS.accessKeyId}/20240101/cn-hangzhou/oss/aliyun_v4_request,Signature=${'g'.repeat(64)}`,
    `OSS4-HMAC-SHA256 Credential=${ROOT_CREDENTIALS.accessKeyId}/20240101/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=,Signature=${'0'.repeat(64)}`,
    `OSS4-HMAC-SHA256 Credential=${ROOT_CREDENTIALS.accessKeyId}/20240101/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=host;,Signature=${'0'.repeat(64)}`,
    `OSS4-HMAC-SHA256 Signature=${'0'.repeat(64)},Signature=${'1'.repeat(64)}`,
    'OSS4-HMAC-SHA256 Credential=a/b/c/d/e/f/g,Signature=0', 'OSS4-HMAC-SHA256 ,,,,,,', 'OSS4-HMAC-SHA256 Credential==,=,=',
    'OSS ', 'OSS :', 'OSS a:', 'OSS :b', `OSS ${ROOT_CREDENTIALS.accessKeyId}:`, `OSS ${ROOT_CREDENTIALS.accessKeyId}:${'A'.repeat(28)}`,
    `OSS ${ROOT_CREDENTIALS.accessKeyId}:${'A'.repeat(5000)}`, 'AWS4-HMAC-SHA256 Credential=x', 'Bearer x', 'Basic Og==', 'OSS2 a:b', '',
  ),
  fc.string({ maxLength: 200 }).map((s) => `OSS4-HMAC-SHA256 ${s}`),
  fc.string({ maxLength: 80 }).map((s) => `OSS ${s}`),
);

const headerValue = fc.oneof(
  fc.constantFrom(...NASTY_VALUES),
  fc.constantFrom('bytes=0-', 'bytes=-0', 'bytes=5-1', 'bytes=0-0,1-1', 'bytes=', 'bytes=--', 'chars=0-1', '100-continue', '/fuzz-target/obj', '/fuzz-target/../x', 'private', 'public-read-write', 'bogus', 'gzip', 'Thu, 01 Jan 1970 00:00:00 GMT', 'not a date', '"etag"', '*'),
  fc.string({ maxLength: 60 }),
  fc.string({ maxLength: 30, unit: 'binary' }).map((s) => s.replace(/[\r\n]/g, '')),
);

const header = fc.oneof(
  fc.tuple(headerName, headerValue),
  fc.tuple(fc.constant('Authorization'), authValue),
);

/** Path-style, virtual-hosted and broken Host headers ('' = none at all). */
const hostHeader = fc.constantFrom(
  '127.0.0.1', '127.0.0.1', 'localhost', 'fuzz-target.localhost', 'FUZZ-TARGET.LOCALHOST', 'fuzz-target.localhost:1', 'no-such.localhost',
  '..localhost', '.localhost', 'a.b.localhost', `${'a'.repeat(300)}.localhost`, '[::1]', '[::1', 'evil.example', 'x y', '', 'fuzz-target.localhost.',
  'fuzz-target.fuzz-target.localhost', '%66uzz-target.localhost', 'fuzz-target.localhost:99999',
);

const method = fc.constantFrom('GET', 'GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'TRACE', 'PROPFIND', 'CONNECT', 'get', 'G E T');

// ---- A: raw hostile requests (unsigned or mis-signed) ----

test('fuzz: random and mutated request targets, queries, headers and Authorization values', { timeout: 600_000 }, async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(method, target, fc.array(header, { maxLength: 8 }), fc.option(fc.uint8Array({ maxLength: 2000 }), { nil: undefined }), hostHeader, async (m, t, hs, body, host) => {
      const req = buildRequest(m, t, hs.filter(([name]) => !/^(content-length|transfer-encoding|connection)$/i.test(name)), body ? Buffer.from(body) : undefined, { host });
      const r = await rawRequest(server.port, req, { headRequest: m === 'HEAD', timeoutMs: 15_000 });
      checkResponse('raw', m, r, req);
      n++;
    }),
    { seed, numRuns: Math.round(1500 * RUNS), endOnFailure: true },
  );
  bump(counts, 'raw requests', n);
  await assertAlive('raw');
});

// ---- B: validly signed requests carrying hostile values (reach the handlers) ----

function signedRaw(m: string, bucket: string | null, key: string, query: Query, headers: Record<string, string>, body?: Buffer): Buffer {
  const auth = signV4Header(ROOT_CREDENTIALS, { method: m, bucket, key, query, headers, region: REGION, now: Date.now() });
  const qs = queryString(query);
  const tgt = requestPath(bucket, key) + (qs ? `?${qs}` : '');
  return buildRequest(m, tgt, Object.entries({ ...headers, ...auth }), body);
}

const decodedKey = fc.oneof(
  fc.constantFrom('', 'obj', 'dir/obj', '../x', 'a//b', './a', '..', '.', '/', '//x', 'a\\b', 'x'.repeat(1023), 'x'.repeat(1024), 'é', 'e\u0301', '\u0000', 'a\u0000b', '\u202e'),
  fc.string({ maxLength: 40 }),
  fc.string({ maxLength: 20, unit: 'grapheme' }),
);

const signedQuery = fc.uniqueArray(
  fc.tuple(fc.oneof(fc.constantFrom(...SUBRESOURCES), fc.stringMatching(/^[a-z-]{1,10}$/)), fc.option(fc.oneof(fc.constantFrom(...NASTY_VALUES), fc.string({ maxLength: 20 })), { nil: null })),
  { maxLength: 4, selector: ([n]) => n },
);

const signedHeaders = fc.uniqueArray(
  fc.tuple(
    fc.oneof(
      fc.constantFrom('range', 'content-md5', 'content-type', 'x-oss-copy-source', 'x-oss-copy-source-range', 'x-oss-acl', 'x-oss-object-acl', 'x-oss-storage-class', 'x-oss-meta-a', 'if-match', 'if-none-match', 'if-modified-since', 'x-oss-forbid-overwrite', 'x-oss-metadata-directive', 'x-oss-range-behavior', 'x-oss-tagging', 'content-encoding', 'cache-control', 'expires', 'content-disposition'),
      fc.stringMatching(/^x-oss-[a-z-]{1,12}$/),
    ),
    fc.oneof(fc.constantFrom(...NASTY_VALUES, 'bytes=0-5', 'bytes=9999-', '/fuzz-target/obj', '/fuzz-target/%2e%2e/obj', '/nope/obj', 'true', 'REPLACE', 'COPY', 'Archive'), fc.stringMatching(/^[ -~]{0,40}$/)),
  ),
  { maxLength: 5, selector: ([n]) => n },
).map((hs) => Object.fromEntries(hs.map(([n, v]) => [n, v.trim()])));

test('fuzz: validly signed requests with hostile keys, sub-resources, headers and bodies', { timeout: 600_000 }, async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('GET', 'GET', 'HEAD', 'PUT', 'POST', 'DELETE'),
      fc.constantFrom<string | null>('fuzz-signed', 'fuzz-signed', BUCKET, 'no-such-bucket-zz', 'a', null),
      decodedKey,
      signedQuery,
      signedHeaders,
      fc.option(fc.uint8Array({ maxLength: 3000 }), { nil: undefined }),
      async (m, bucket, key, query, headers, body) => {
        if (bucket === BUCKET && (m === 'PUT' || m === 'POST' || m === 'DELETE') && key === 'obj') key = 'obj-fuzzed';
        const req = signedRaw(m, bucket, bucket === null ? '' : key, query, headers, body ? Buffer.from(body) : undefined);
        const r = await rawRequest(server.port, req, { headRequest: m === 'HEAD', timeoutMs: 15_000 });
        checkResponse('signed', m, r, req);
        n++;
      },
    ),
    {
      seed: seed + 1,
      numRuns: Math.round(1500 * RUNS),
      endOnFailure: true,
    },
  );
  bump(counts, 'signed requests', n);
  await assertAlive('signed');
});

// ---- C: Range headers ----

test('fuzz: Range headers on single-blob, multipart and appendable objects', { timeout: 300_000 }, async () => {
  // Objects stitched from several blobs: a range across a part or append boundary must still
  // be byte-exact. Part sizes put boundaries at 102407 and 204807 (appends: 5000, 5001).
  const targets: Array<{ key: string; data: Buffer }> = [{ key: 'obj', data: OBJECT }];
  const parts = [Buffer.alloc(102_407, 0x41), Buffer.alloc(102_400, 0x42), Buffer.alloc(333, 0x43)].map((b, i) => Buffer.from(b.map((x, j) => (x + j * (i + 3)) & 0xff)));
  const init = await client.request({ method: 'POST', bucket: BUCKET, key: 'mpu-obj', query: [['uploads', null]] });
  if (init.status === 200) {
    const id = xmlTag(init.body.toString('utf8'), 'UploadId')!;
    const done: Array<{ partNumber: number; etag: string }> = [];
    for (const [i, p] of parts.entries()) {
      const r = await client.uploadPart(BUCKET, 'mpu-obj', id, i + 1, p);
      done.push({ partNumber: i + 1, etag: String(r.headers.etag).replace(/"/g, '') });
    }
    assert.equal((await client.completeMultipart(BUCKET, 'mpu-obj', id, done)).status, 200);
    targets.push({ key: 'mpu-obj', data: Buffer.concat(parts) });
  }
  const appends = [Buffer.alloc(5000, 1), Buffer.alloc(1, 2), Buffer.alloc(70_000, 3)].map((b, i) => Buffer.from(b.map((x, j) => (x + j * (i + 5)) & 0xff)));
  let pos = 0;
  let appended = true;
  for (const a of appends) {
    const r = await client.appendObject(BUCKET, 'append-obj', pos, a);
    if (r.status !== 200) appended = false;
    pos += a.length;
  }
  if (appended) targets.push({ key: 'append-obj', data: Buffer.concat(appends) });
  const num = fc.oneof(
    fc.integer({ min: -5, max: 12_000 }),
    fc.integer({ min: 0, max: 210_000 }),
    fc.constantFrom(0, 4999, 5000, 5001, 5002, 9999, 10_000, 10_001, 75_000, 75_001, 102_406, 102_407, 102_408, 204_806, 204_807, 204_808, 205_139, 205_140, 205_141, 2 ** 53, Number.MAX_SAFE_INTEGER),
  );
  const spec = fc.oneof(
    fc.tuple(num, num).map(([a, b]) => `${a}-${b}`),
    num.map((a) => `${a}-`),
    num.map((a) => `-${a}`),
    fc.constantFrom('', '-', '--', '0--1', ' 0-1', '0 -1', '1-0', 'a-b', '0x1-0x2', '1e3-2e3', '00000000000000000000001-2', '٣-٤'),
  );
  const range = fc.oneof(
    { weight: 6, arbitrary: fc.array(spec, { minLength: 1, maxLength: 3 }).map((xs) => `bytes=${xs.join(',')}`) },
    { weight: 6, arbitrary: fc.tuple(fc.oneof(fc.nat(210_000), num), fc.nat(120_000)).map(([a, len]) => `bytes=${a}-${a + len}`) },
    { weight: 1, arbitrary: fc.array(spec, { minLength: 40, maxLength: 200 }).map((xs) => `bytes=${xs.join(',')}`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('bytes', 'Bytes', 'BYTES ', 'items', 'bytes ', ''), spec).map(([u, s]) => `${u}=${s}`) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, '')) },
  );
  let n = 0;
  let partial = 0;
  await fc.assert(
    fc.asyncProperty(range, fc.boolean(), fc.nat(), async (rng, standard, which) => {
      const { key, data: OBJECT } = targets[which % targets.length]!;
      const headers: Record<string, string> = { range: rng };
      if (standard) headers['x-oss-range-behavior'] = 'standard';
      const req = signedRaw('GET', BUCKET, key, [], headers);
      const r = await rawRequest(server.port, req, { timeoutMs: 15_000 });
      checkResponse('range', 'GET', r, req);
      if (r.status === 200) assert.ok(r.body.equals(OBJECT), `Range ${rng} on ${key}: 200 with a body that is not the object`);
      if (r.status === 206 && !String(r.headers['content-type']).startsWith('multipart/')) {
        const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(r.headers['content-range'] ?? '');
        assert.ok(m, `Range ${rng}: 206 without a valid Content-Range (${r.headers['content-range']})`);
        const [s, e, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
        assert.equal(total, OBJECT.length);
        assert.ok(s <= e && e < OBJECT.length, `Range ${rng}: Content-Range ${r.headers['content-range']} out of bounds`);
        assert.ok(r.body.equals(OBJECT.subarray(s, e + 1)), `Range ${rng} on ${key}: 206 body is not bytes ${s}-${e}`);
        partial++;
      }
      if (r.status === 416) assert.equal(ossErrorCode(r.body), 'InvalidRange');
      n++;
    }),
    { seed: seed + 2, numRuns: Math.round(800 * RUNS), endOnFailure: true },
  );
  bump(counts, 'range requests', n);
  console.log(`# fuzz: ${n} Range headers on ${targets.map((t) => t.key).join(', ')}; ${partial} partial responses checked byte-exact`);
  await assertAlive('range');
});

// ---- D: chunked bodies ----

function signedHead(m: string, bucket: string, key: string, query: Query, headers: Record<string, string>, extra: ReadonlyArray<readonly [string, string]>): string {
  const auth = signV4Header(ROOT_CREDENTIALS, { method: m, bucket, key, query, headers, region: REGION, now: Date.now() });
  const qs = queryString(query);
  const lines = [`${m} ${requestPath(bucket, key)}${qs ? `?${qs}` : ''} HTTP/1.1`, 'Host: 127.0.0.1', ...Object.entries({ ...headers, ...auth }).map(([n, v]) => `${n}: ${v}`), ...extra.map(([n, v]) => `${n}: ${v}`), 'Connection: close'];
  return lines.join('\r\n') + '\r\n\r\n';
}

test('fuzz: chunked request bodies (valid framings store exactly the bytes; broken ones store nothing)', { timeout: 300_000 }, async () => {
  let valid = 0;
  let broken = 0;
  let k = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 5000 }),
      fc.array(fc.integer({ min: 1, max: 2000 }), { maxLength: 20 }),
      fc.constantFrom('valid', 'ext', 'trailer', 'upper-hex', 'bad-size', 'neg-size', 'huge-size', 'missing-crlf', 'short-chunk', 'long-chunk', 'no-terminator-close', 'cl-and-te', 'te-twice', 'te-identity'),
      async (bytes, cuts, mode) => {
        const data = Buffer.from(bytes);
        const key = `chunked/${k++}`;
        const chunks: Buffer[] = [];
        let p = 0;
        for (const c of cuts) {
          if (p >= data.length) break;
          chunks.push(data.subarray(p, p + c));
          p += c;
        }
        if (p < data.length) chunks.push(data.subarray(p));
        const hex = (n: number) => (mode === 'upper-hex' ? n.toString(16).toUpperCase() : n.toString(16));
        const parts: Buffer[] = [];
        for (const [i, c] of chunks.entries()) {
          let size = hex(c.length);
          if (mode === 'ext') size += ';name=value;x';
          if (mode === 'bad-size' && i === 0) size = 'zz';
          if (mode === 'neg-size' && i === 0) size = '-5';
          if (mode === 'huge-size' && i === 0) size = 'ffffffffffffffffff';
          let payload = c;
          if (mode === 'short-chunk' && i === 0) payload = c.subarray(0, Math.max(0, c.length - 1));
          if (mode === 'long-chunk' && i === 0) payload = Buffer.concat([c, Buffer.from('XY')]);
          parts.push(Buffer.from(`${size}\r\n`, 'latin1'), payload, Buffer.from(mode === 'missing-crlf' && i === 0 ? '' : '\r\n', 'latin1'));
        }
        if (mode !== 'no-terminator-close') parts.push(Buffer.from(mode === 'trailer' ? '0\r\nx-trailer: 1\r\n\r\n' : '0\r\n\r\n', 'latin1'));
        const te: Array<readonly [string, string]> =
          mode === 'cl-and-te' ? [['Transfer-Encoding', 'chunked'], ['Content-Length', String(data.length)]]
          : mode === 'te-twice' ? [['Transfer-Encoding', 'chunked'], ['Transfer-Encoding', 'chunked']]
          : mode === 'te-identity' ? [['Transfer-Encoding', 'identity, chunked']]
          : [['Transfer-Encoding', 'chunked']];
        const head = signedHead('PUT', BUCKET, key, [], {}, te);
        const req = Buffer.concat([Buffer.from(head, 'latin1'), ...parts]);
        const r = await rawRequest(server.port, req, { timeoutMs: 15_000, endAfterWrite: mode === 'no-terminator-close' });
        const wellFormed = mode === 'valid' || mode === 'ext' || mode === 'trailer' || mode === 'upper-hex' || (chunks.length === 0 && !['cl-and-te', 'te-twice', 'te-identity', 'no-terminator-close'].includes(mode));
        if (mode === 'no-terminator-close' && r.status === 0) {
          // the client hung up mid-body: no response is possible, but nothing may be stored
        } else checkResponse(`chunked ${mode}`, 'PUT', r, head);
        const got = await client.getObject(BUCKET, key);
        if (r.status === 200) {
          assert.equal(got.status, 200, `chunked ${mode}: acknowledged but not readable`);
          assert.ok(got.body.equals(data) || (mode === 'long-chunk' || mode === 'short-chunk'), `chunked ${mode}: stored bytes differ from the chunk payloads`);
          if (wellFormed) assert.ok(got.body.equals(data));
          valid++;
        } else {
          assert.equal(got.status, 404, `chunked ${mode}: rejected (${r.status}) but an object was stored`);
          if (wellFormed) assert.fail(`chunked ${mode}: a well-formed chunked upload was refused: ${r.status} ${r.body.toString('utf8').slice(0, 200)}`);
          broken++;
        }
      },
    ),
    { seed: seed + 3, numRuns: Math.round(300 * RUNS), endOnFailure: true },
  );
  bump(counts, 'chunked uploads', valid + broken);
  console.log(`# fuzz: chunked uploads: ${valid} stored byte-exact, ${broken} refused with nothing stored`);
  await assertAlive('chunked');
});

// ---- E: XML (and JSON) bodies ----

const BILLION_LAUGHS =
  '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
  Array.from({ length: 8 }, (_, i) => `<!ENTITY lol${i + 2} "${`&lol${i + 1};`.repeat(10)}">`).join('') +
  ']><Delete><Object><Key>&lol9;</Key></Object></Delete>';
const XXE = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&xxe;</Key></Object></Delete>';
const XXE_PARAM = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><Delete><Object><Key>a</Key></Object></Delete>';
const DEEP = (tag: string, n: number) => `<${tag}>`.repeat(n) + `</${tag}>`.repeat(n);

function hostileXmlDocs(root: string, valid: string): string[] {
  return [
    '', ' ', '<', '<>', '</>', '<?xml?>', '<?xml version="1.0"?>', `<${root}>`, `<${root}/>`, `<${root}></${root}>`, `<${root}><${root}>`,
    valid, valid.replace(/<\/[^>]+>$/, ''), valid + valid, valid + '<x/>', `\ufeff${valid}`, `<?xml version="1.1" encoding="UTF-16"?>${valid}`,
    BILLION_LAUGHS, XXE, XXE_PARAM, BILLION_LAUGHS.replace(/Delete/g, root), XXE.replace(/Delete/g, root),
    DEEP('a', 10_000), `<${root}>${DEEP('Part', 50_000)}</${root}>`, `<${root}>${DEEP(root, 5000)}</${root}>`,
    `<${root}>${'<Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part>'.repeat(20_000)}</${root}>`,
    `<${root}>${'<Object><Key>k</Key></Object>'.repeat(5000)}</${root}>`,
    `<${root} ${Array.from({ length: 5000 }, (_, i) => `a${i}="${i}"`).join(' ')}/>`,
    `<${root}><![CDATA[${']]>'.repeat(10)}]]></${root}>`, `<${root}><!-- -- --></${root}>`, `<${root}>&amp;&lt;&#0;&#xFFFFFFFF;&#99999999999;&unknown;</${root}>`,
    `<${root}><x:a xmlns:x="urn:x"/></${root}>`, `<${root}>${'x'.repeat(2_000_000)}</${root}>`, `<${root}>\u0000</${root}>`,
    `<${root}><Part><PartNumber>-1</PartNumber></Part><Part><PartNumber>99999999999999999999</PartNumber></Part></${root}>`,
    '{"Version":"1","Statement":[' + '{"Effect":"Allow"},'.repeat(3000) + '{}]}', '{"a":' .repeat(5000) + '1' + '}'.repeat(5000), '{', 'null', '[]',
  ];
}

function mutate(s: string, ops: Array<[number, number, number, string]>): string {
  let out = s;
  for (const [kind, a, b, ins] of ops) {
    const i = a % (out.length + 1);
    const j = Math.min(out.length, i + (b % 40));
    if (kind === 0) out = out.slice(0, i) + out.slice(j);
    else if (kind === 1) out = out.slice(0, i) + ins + out.slice(i);
    else if (kind === 2) out = out.slice(0, i) + out.slice(i, j) + out.slice(i, j) + out.slice(j);
    else out = out.slice(0, i) + out.slice(i, j).split('').reverse().join('') + out.slice(j);
  }
  return out;
}

test('fuzz: XML and policy bodies (entity expansion, external entities, deep nesting, mutations)', { timeout: 600_000 }, async () => {
  const init = await client.request({ method: 'POST', bucket: BUCKET, key: 'mpu-target', query: [['uploads', null]] });
  const uploadId = init.status === 200 ? (xmlTag(init.body.toString('utf8'), 'UploadId') ?? 'none') : 'none';
  if (uploadId !== 'none') await client.uploadPart(BUCKET, 'mpu-target', uploadId, 1, Buffer.from('part'));
  const targets: Array<{ name: string; m: string; key: string; query: Query; root: string; valid: string; md5?: boolean }> = [
    { name: 'CompleteMultipartUpload', m: 'POST', key: 'mpu-target', query: [['uploadId', uploadId]], root: 'CompleteMultipartUpload', valid: '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"X"</ETag></Part></CompleteMultipartUpload>' },
    { name: 'DeleteMultipleObjects', m: 'POST', key: '', query: [['delete', null]], root: 'Delete', valid: '<Delete><Quiet>false</Quiet><Object><Key>never</Key></Object></Delete>', md5: true },
    { name: 'PutBucketAcl', m: 'PUT', key: '', query: [['acl', null]], root: 'AccessControlPolicy', valid: '<AccessControlPolicy><AccessControlList><Grant>private</Grant></AccessControlList></AccessControlPolicy>' },
    { name: 'PutObjectAcl', m: 'PUT', key: 'obj', query: [['acl', null]], root: 'AccessControlPolicy', valid: '<AccessControlPolicy><AccessControlList><Grant>private</Grant></AccessControlList></AccessControlPolicy>' },
    { name: 'PutBucketCors', m: 'PUT', key: '', query: [['cors', null]], root: 'CORSConfiguration', valid: '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>' },
    { name: 'PutBucketPolicy', m: 'PUT', key: '', query: [['policy', null]], root: 'Policy', valid: '{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetObject"],"Principal":["*"],"Resource":["acs:oss:*:*:fuzz-target/*"]}]}' },
    { name: 'PutObjectTagging', m: 'PUT', key: 'obj', query: [['tagging', null]], root: 'Tagging', valid: '<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>' },
    { name: 'PutBucketLifecycle', m: 'PUT', key: '', query: [['lifecycle', null]], root: 'LifecycleConfiguration', valid: '<LifecycleConfiguration><Rule><ID>r</ID><Prefix>x</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>' },
  ];
  const send = async (tg: (typeof targets)[number], doc: string, label: string) => {
    const body = Buffer.from(doc, 'utf8');
    const headers: Record<string, string> = { 'content-type': 'application/xml' };
    if (tg.md5) headers['content-md5'] = createHash('md5').update(body).digest('base64');
    const req = signedRaw(tg.m, BUCKET, tg.key, tg.query, headers, body);
    const r = await rawRequest(server.port, req, { timeoutMs: 20_000 });
    checkResponse(`${tg.name} ${label}`, tg.m, r, req.subarray(0, 400));
    assert.ok(!r.body.toString('latin1').includes('root:x:0:0'), `${tg.name}: external entity resolved`);
    sampleRss();
    return r;
  };
  let n = 0;
  for (const tg of targets) {
    for (const [i, doc] of hostileXmlDocs(tg.root, tg.valid).entries()) {
      await send(tg, doc, `hostile #${i}`);
      n++;
    }
  }
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...targets),
      fc.oneof(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.nat(), fc.nat(), fc.constantFrom('<', '>', '&', '&amp;', '"', "'", '</Part>', '<Part>', '<!--', ']]>', '\u0000', '\uffff', '<!DOCTYPE x [<!ENTITY e "e">]>', '&e;', 'ä', '\ud800')), { minLength: 1, maxLength: 6 }),
      ),
      async (tg, ops) => {
        await send(tg, mutate(tg.valid, ops), 'mutated');
        n++;
      },
    ),
    { seed: seed + 4, numRuns: Math.round(600 * RUNS), endOnFailure: true },
  );
  // a body far larger than any XML document needs must be refused without buffering it
  {
    const rssBefore = server.rss();
    const big = Buffer.alloc(64 << 20, 0x20);
    const body = Buffer.concat([Buffer.from('<Delete>'), big, Buffer.from('</Delete>')]);
    const headers = { 'content-type': 'application/xml', 'content-md5': createHash('md5').update(body).digest('base64') };
    const head = signedHead('POST', BUCKET, '', [['delete', null]], headers, [['Content-Length', String(body.length)]]);
    const sock = await openSocket(server.port);
    const chunks: Buffer[] = [];
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', () => {});
    sock.write(head);
    // a well-behaved client: honours backpressure and stops sending once the answer is in
    for (let off = 0; off < body.length && !sock.destroyed; off += 1 << 20) {
      if (parseResponse(Buffer.concat(chunks))) break;
      if (!sock.write(body.subarray(off, off + (1 << 20)))) {
        await Promise.race([new Promise((r) => sock.once('drain', r)), new Promise((r) => sock.once('close', r)), sleep(2000)]);
      }
    }
    for (let i = 0; i < 200 && !parseResponse(Buffer.concat(chunks)); i++) await sleep(50);
    sock.destroy();
    const res = parseResponse(Buffer.concat(chunks));
    assert.ok(res, 'no response to a 64 MiB DeleteMultipleObjects body');
    assert.ok((res.status >= 400 && res.status < 500) || res.status === 501, `64 MiB XML body: HTTP ${res.status}`);
    const growth = server.rss() - rssBefore;
    console.log(`# fuzz: 64 MiB XML body → ${res.status} ${ossErrorCode(res.body)}; RSS growth ${(growth / 2 ** 20).toFixed(1)} MiB`);
    assert.ok(growth < 48 << 20, `a 64 MiB XML body grew the server by ${(growth / 2 ** 20).toFixed(1)} MiB`);
    n++;
  }
  bump(counts, 'xml bodies', n);
  await assertAlive('xml');
  assert.ok(rssPeak - rss0 < RSS_SLACK, `server RSS grew from ${rss0} to ${rssPeak}`);
});
