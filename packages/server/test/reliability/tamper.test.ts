/**
 * Presigned URL tampering and the existence rule (issue 5).
 *
 * Tamper: for valid presigned GET URLs (V4 and V1, many keys), every single-character change of
 * every signed part — bucket, key, each signed query value, the signature itself — gets 403 and
 * not one byte of the object. Characters are replaced within their class (letter → letter, digit
 * → digit, other → other) so the URL stays well-formed and only the signature can catch it.
 *
 * Existence rule: a denied request gets the same 403 (status and Code, no object headers)
 * whether or not the key exists, for every method and denial reason.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OssClient, rawHttp } from './lib/oss.js';
import { ossErrorCode } from './lib/raw.js';
import { freshDir, REGION, ROOT_CREDENTIALS, ServerProcess } from './lib/server-process.js';
import { presignV1Query, presignV4Query, type Query, queryString, requestPath, signV1Header, signV4Header } from './lib/sig.js';
import { chooseSeed, Rng } from './lib/util.js';

const BUCKET = 'tamper-private';
const KEYS = [
  'plain.txt', 'dir/sub/file.bin', 'with space and+plus', 'ünïcödé/файл/文件.txt', "odd!*'()~chars", 'pct%41%2Fliteral', 'a=b&c?d#e', 'trailing/', 'dots/../..x', 'Z',
  `long/${'k'.repeat(300)}`, 'emoji-😀', 'semi;colon,comma', 'UPPER/lower/MiXeD123',
];

let server: ServerProcess;
let client: OssClient;
let dataDir: string;
const objects = new Map<string, Buffer>();

before(async () => {
  const rng = new Rng(chooseSeed('tamper', 777));
  dataDir = freshDir('tamper');
  server = await ServerProcess.start({ dataDir });
  client = OssClient.forUrl(server.url, ROOT_CREDENTIALS, REGION);
  await client.putBucket(BUCKET);
  for (const k of KEYS) {
    const data = rng.bytes(4096);
    objects.set(k, data);
    const r = await client.putObject(BUCKET, k, data);
    assert.equal(r.status, 200, `PutObject ${k}: ${r.body.toString('utf8')}`);
  }
});

after(async () => {
  client?.close();
  await server?.stop();
  server?.removeFiles();
});

/** The next character of the same class, so the URL stays syntactically valid. */
function flip(c: string): string {
  const cp = c.codePointAt(0)!;
  if (c >= 'a' && c <= 'z') return c === 'z' ? 'a' : String.fromCharCode(cp + 1);
  if (c >= 'A' && c <= 'Z') return c === 'Z' ? 'A' : String.fromCharCode(cp + 1);
  if (c >= '0' && c <= '9') return c === '9' ? '0' : String.fromCharCode(cp + 1);
  if (cp > 0x7f) return String.fromCodePoint(cp + 1);
  const others = "-_.~!*'()/+ =&?#;,%";
  const i = others.indexOf(c);
  return i >= 0 ? others[(i + 1) % others.length]! : '-';
}

function variants(s: string, alnumOnly = false): string[] {
  const chars = [...s];
  const f = (c: string) => (alnumOnly && !/[a-z0-9]/.test(c) ? 'a' : flip(c));
  return chars.map((c, i) => [...chars.slice(0, i), f(c), ...chars.slice(i + 1)].join(''));
}

interface Tampered {
  readonly part: string;
  readonly target: string;
}

/** Every single-character change of every signed part of a presigned URL. */
function tamperings(bucket: string, key: string, q: Query, signedNames: ReadonlySet<string>): Tampered[] {
  const out: Tampered[] = [];
  const tgt = (b: string, k: string, qq: Query) => {
    const qs = queryString(qq);
    return requestPath(b, k) + (qs ? `?${qs}` : '');
  };
  for (const b of variants(bucket, true)) out.push({ part: 'bucket', target: tgt(b, key, q) });
  for (const k of variants(key)) out.push({ part: 'key', target: tgt(bucket, k, q) });
  q.forEach(([name, value], idx) => {
    if (!signedNames.has(name) || value === null) return;
    for (const v of variants(value)) {
      const qq = q.map((p, j) => (j === idx ? ([name, v] as const) : p));
      out.push({ part: name, target: tgt(bucket, key, qq) });
    }
  });
  return out;
}

test('tamper: every single-character change of a presigned URL (V4 and V1) → 403, zero object bytes', { timeout: 300_000 }, async () => {
  const now = Date.now();
  let cases = 0;
  const byPart = new Map<string, number>();
  const outcomes = new Map<string, number>();
  const wrong: string[] = [];
  for (const key of KEYS) {
    const data = objects.get(key)!;
    const userQuery: Query = [['response-cache-control', 'no-cache']];
    const v4 = presignV4Query(ROOT_CREDENTIALS, { method: 'GET', bucket: BUCKET, key, query: userQuery, region: REGION, now, expires: 3600 });
    const v1 = presignV1Query(ROOT_CREDENTIALS, { method: 'GET', bucket: BUCKET, key, query: userQuery, expiresAt: Math.floor(now / 1000) + 3600 });
    const forms = [
      { name: 'V4', q: v4, signed: new Set(['response-cache-control', 'x-oss-credential', 'x-oss-date', 'x-oss-expires', 'x-oss-signature-version', 'x-oss-signature']) },
      { name: 'V1', q: v1, signed: new Set(['response-cache-control', 'OSSAccessKeyId', 'Expires', 'Signature']) },
    ];
    for (const f of forms) {
      const good = await rawHttp({ host: '127.0.0.1', port: server.port, method: 'GET', path: requestPath(BUCKET, key) + '?' + queryString(f.q), agent: client.agent });
      assert.equal(good.status, 200, `${f.name} ${key}: the untampered URL must work: ${good.body.toString('utf8').slice(0, 300)}`);
      assert.ok(good.body.equals(data));
      for (const t of tamperings(BUCKET, key, f.q, f.signed)) {
        const r = await rawHttp({ host: '127.0.0.1', port: server.port, method: 'GET', path: t.target, agent: client.agent });
        cases++;
        byPart.set(`${f.name} ${t.part}`, (byPart.get(`${f.name} ${t.part}`) ?? 0) + 1);
        const leaked = r.body.includes(data.subarray(0, 64)) || r.body.length === data.length;
        const code = ossErrorCode(r.body) ?? '';
        const outcome = `${f.name} ${t.part}: ${r.status} ${code}`;
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        // Issue 5: every single-character change of every signed part is refused with 403 —
        // also when it leaves the credential or date malformed (errors/map.ts fromAuthFailure).
        if (r.status !== 403 || leaked || !code) {
          wrong.push(`${outcome}${leaked ? ' LEAKED BYTES' : ''} ${t.target.slice(0, 200)}`);
        }
      }
    }
  }
  console.log(`# tamper: ${cases} tampered presigned URLs over ${KEYS.length} keys: ${JSON.stringify(Object.fromEntries(byPart))}`);
  console.log(`# tamper: outcomes: ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`);
  assert.deepEqual(wrong.slice(0, 40), [], `${wrong.length} tampered URLs were not refused with 403 (first 40 shown)`);
});

test('tamper: dropping any presign parameter never serves the object', async () => {
  const key = 'plain.txt';
  const data = objects.get(key)!;
  const now = Date.now();
  const v4 = presignV4Query(ROOT_CREDENTIALS, { method: 'GET', bucket: BUCKET, key, region: REGION, now, expires: 3600 });
  const v1 = presignV1Query(ROOT_CREDENTIALS, { method: 'GET', bucket: BUCKET, key, expiresAt: Math.floor(now / 1000) + 3600 });
  const seen: string[] = [];
  for (const q of [v4, v1]) {
    for (let i = 0; i < q.length; i++) {
      const qq = q.filter((_, j) => j !== i);
      const r = await rawHttp({ host: '127.0.0.1', port: server.port, method: 'GET', path: `${requestPath(BUCKET, key)}?${queryString(qq)}`, agent: client.agent });
      seen.push(`-${q[i]![0]}: ${r.status} ${ossErrorCode(r.body)}`);
      assert.ok(r.status === 403 || r.status === 400, `without ${q[i]![0]}: HTTP ${r.status}`);
      assert.ok(ossErrorCode(r.body), `without ${q[i]![0]}: not an OSS error`);
      assert.ok(!r.body.includes(data.subarray(0, 64)), `without ${q[i]![0]}: object bytes sent`);
    }
  }
  console.log(`# tamper: dropped parameters: ${seen.join('; ')}`);
});

// ---- existence rule ----

type Denial = { name: string; sign: (m: string, key: string, query: Query, headers: Record<string, string>) => { path: string; headers: Record<string, string> } };

const badCreds = { accessKeyId: ROOT_CREDENTIALS.accessKeyId, accessKeySecret: 'not-the-secret' };
const unknownCreds = { accessKeyId: 'LTAIunknownKey000001', accessKeySecret: 'whatever' };

const DENIALS: Denial[] = [
  { name: 'anonymous', sign: (_m, key, query, headers) => ({ path: target(key, query), headers }) },
  {
    name: 'V4 header, wrong secret',
    sign: (m, key, query, headers) => ({ path: target(key, query), headers: { ...headers, ...signV4Header(badCreds, { method: m, bucket: BUCKET, key, query, headers, region: REGION, now: Date.now() }) } }),
  },
  {
    name: 'V4 header, unknown key',
    sign: (m, key, query, headers) => ({ path: target(key, query), headers: { ...headers, ...signV4Header(unknownCreds, { method: m, bucket: BUCKET, key, query, headers, region: REGION, now: Date.now() }) } }),
  },
  {
    name: 'V1 header, wrong secret',
    sign: (m, key, query, headers) => ({ path: target(key, query), headers: { ...headers, ...signV1Header(badCreds, { method: m, bucket: BUCKET, key, query, headers, now: Date.now() }) } }),
  },
  {
    name: 'V4 URL signed for another key',
    sign: (m, key, query, headers) => ({
      path: `${requestPath(BUCKET, key)}?${queryString(presignV4Query(ROOT_CREDENTIALS, { method: m, bucket: BUCKET, key: `${key}-other`, query, headers, region: REGION, now: Date.now(), expires: 600 }))}`,
      headers,
    }),
  },
  {
    name: 'V4 URL expired',
    sign: (m, key, query, headers) => ({
      path: `${requestPath(BUCKET, key)}?${queryString(presignV4Query(ROOT_CREDENTIALS, { method: m, bucket: BUCKET, key, query, headers, region: REGION, now: Date.now() - 7200_000, expires: 60 }))}`,
      headers,
    }),
  },
  {
    name: 'V1 URL expired',
    sign: (m, key, query, headers) => ({
      path: `${requestPath(BUCKET, key)}?${queryString(presignV1Query(ROOT_CREDENTIALS, { method: m, bucket: BUCKET, key, query, headers, expiresAt: Math.floor(Date.now() / 1000) - 60 }))}`,
      headers,
    }),
  },
  {
    name: 'V4 URL for another method',
    sign: (m, key, query, headers) => ({
      path: `${requestPath(BUCKET, key)}?${queryString(presignV4Query(ROOT_CREDENTIALS, { method: m === 'GET' ? 'HEAD' : 'GET', bucket: BUCKET, key, query, headers, region: REGION, now: Date.now(), expires: 600 }))}`,
      headers,
    }),
  },
];

/** Header-signed denials for another bucket (the signature covers the bucket). */
function resign(name: string, m: string, bucket: string, key: string, query: Query): Record<string, string> {
  const creds = name.includes('unknown key') ? unknownCreds : badCreds;
  if (name.startsWith('V1')) return signV1Header(creds, { method: m, bucket, key, query, headers: {}, now: Date.now() });
  return signV4Header(creds, { method: m, bucket, key, query, headers: {}, region: REGION, now: Date.now() });
}

function target(key: string, query: Query): string {
  const qs = queryString(query);
  return requestPath(BUCKET, key) + (qs ? `?${qs}` : '');
}

const REQUESTS: Array<{ m: string; query: Query; headers?: Record<string, string>; body?: Buffer }> = [
  { m: 'GET', query: [] },
  { m: 'HEAD', query: [] },
  { m: 'GET', query: [], headers: { range: 'bytes=0-9' } },
  { m: 'GET', query: [['acl', null]] },
  { m: 'HEAD', query: [['objectMeta', null]] },
  { m: 'GET', query: [['tagging', null]] },
  { m: 'PUT', query: [], body: Buffer.from('overwrite attempt') },
  { m: 'PUT', query: [['acl', null]], headers: { 'x-oss-object-acl': 'public-read' } },
  { m: 'DELETE', query: [] },
  { m: 'POST', query: [['append', null], ['position', '0']], body: Buffer.from('append attempt') },
  { m: 'POST', query: [['uploads', null]] },
  { m: 'GET', query: [['uploadId', 'nonexistent-upload']] },
  { m: 'PUT', query: [], headers: { 'x-oss-copy-source': `/${BUCKET}/plain.txt` } },
];

test('existence rule: denied → the same 403 whether or not the key or bucket exists', { timeout: 120_000 }, async () => {
  let pairs = 0;
  const problems: string[] = [];
  for (const d of DENIALS) {
    for (const rq of REQUESTS) {
      const results = [];
      for (const key of ['plain.txt', 'never-existed.txt']) {
        const headers: Record<string, string> = { ...(rq.headers ?? {}) };
        if (rq.body) headers['content-length'] = String(rq.body.length);
        const s = d.sign(rq.m, key, rq.query, headers);
        const r = await rawHttp({ host: '127.0.0.1', port: server.port, method: rq.m, path: s.path, headers: s.headers, body: rq.body, agent: client.agent });
        const code = rq.m === 'HEAD' ? String(r.headers['x-oss-ec'] ?? r.headers['x-oss-err'] ?? '') : (ossErrorCode(r.body) ?? '');
        results.push({ status: r.status, code, headers: r.headers, body: r.body });
      }
      pairs++;
      const [present, absent] = results as [(typeof results)[0], (typeof results)[0]];
      const label = `${d.name} ${rq.m} ?${queryString(rq.query)}`;
      if (present.status !== 403 || absent.status !== 403) problems.push(`${label}: present ${present.status} ${present.code}, absent ${absent.status} ${absent.code}`);
      else if (rq.m !== 'HEAD' && present.code !== absent.code) problems.push(`${label}: Code differs: ${present.code} vs ${absent.code}`);
      for (const h of ['etag', 'last-modified', 'x-oss-object-type', 'x-oss-hash-crc64ecma', 'content-range']) {
        if (present.headers[h] !== undefined) problems.push(`${label}: denied response carries ${h}`);
      }
      if (present.body.includes(objects.get('plain.txt')!.subarray(0, 32))) problems.push(`${label}: object bytes sent`);
    }
  }
  // the same for buckets: a denied caller cannot tell an existing private bucket from a missing one
  const BUCKET_REQUESTS: Array<{ m: string; key: string; query: Query }> = [
    { m: 'GET', key: '', query: [] },
    { m: 'GET', key: '', query: [['list-type', '2']] },
    { m: 'GET', key: '', query: [['acl', null]] },
    { m: 'GET', key: '', query: [['bucketInfo', null]] },
    { m: 'GET', key: '', query: [['uploads', null]] },
    { m: 'DELETE', key: '', query: [] },
    { m: 'GET', key: 'plain.txt', query: [] },
    { m: 'PUT', key: 'new.txt', query: [] },
  ];
  for (const d of DENIALS.filter((x) => !x.name.startsWith('V1 URL') && !x.name.startsWith('V4 URL'))) {
    for (const rq of BUCKET_REQUESTS) {
      const seen: string[] = [];
      for (const bucket of [BUCKET, 'no-such-bucket-here']) {
        const s = d.sign(rq.m, rq.key, rq.query, {});
        const path = s.path.replace(`/${BUCKET}/`, `/${bucket}/`);
        const headers = d.name === 'anonymous' ? s.headers : resign(d.name, rq.m, bucket, rq.key, rq.query);
        const r = await rawHttp({ host: '127.0.0.1', port: server.port, method: rq.m, path, headers, agent: client.agent });
        seen.push(`${r.status} ${ossErrorCode(r.body) ?? ''}`);
      }
      pairs++;
      const label = `${d.name} ${rq.m} bucket ?${queryString(rq.query)} ${rq.key}`;
      if (seen[0] !== seen[1] || !seen[0]!.startsWith('403')) problems.push(`${label}: existing bucket ${seen[0]}, missing bucket ${seen[1]}`);
    }
  }
  // nothing a denied request tried may have happened
  const still = await client.getObject(BUCKET, 'plain.txt');
  assert.equal(still.status, 200);
  assert.ok(still.body.equals(objects.get('plain.txt')!), 'a denied request changed the object');
  assert.equal((await client.headObject(BUCKET, 'never-existed.txt')).status, 404, 'a denied request created an object');
  assert.equal((await client.getObjectAcl(BUCKET, 'plain.txt')) ?? 'default', 'default');
  console.log(`# tamper: existence rule checked on ${pairs} (denial × request) pairs`);
  assert.deepEqual(problems, []);
});
