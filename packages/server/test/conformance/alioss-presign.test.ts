/**
 * Presigned downloads, Pail's hot path, end to end with real tools:
 *  - the OSS guide's Node example (fixtures/guide-example.cjs, run as a child process) gives a
 *    URL that curl downloads byte-exactly; once expired, the same URL gets 403 AccessDenied
 *    "Request has expired." (the server's ManualClock is advanced, nothing sleeps);
 *  - the V1 `signatureUrl` expires the same way;
 *  - `pail presign` URLs work;
 *  - a URL with any one character of a signed part changed gets 403 and no object bytes.
 *
 * curl is asserted on `%{http_code}`: `curl -sSO` saves an error body and still exits 0.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { OssClient } from './alioss.js';
import {
  aliOss,
  assertNoObjectBytes,
  assertNoSecretsInLogs,
  bytes,
  curl,
  FIXTURES,
  type PailUnderTest,
  rawRequest,
  runNode,
  REPO_ROOT,
  sha256,
  splitUrl,
  startPail,
  xmlField,
} from './harness.js';

const BUCKET = 'examplebucket';
const OBJECT = 'exampleobject.txt';
const PAIL_CLI = join(REPO_ROOT, 'packages/cli/bin/pail.js');

let pail: PailUnderTest;
let client: OssClient;
let tmp: string;
const body = bytes(64 * 1024 + 3, 42);

before(async () => {
  pail = await startPail();
  tmp = await mkdtemp(join(tmpdir(), 'pail-presign-'));
  client = aliOss(pail, 'v4', { bucket: BUCKET });
  await client.putBucket(BUCKET);
  const r = await client.put(OBJECT, body);
  assert.equal(r.res.status, 200);
});

after(async () => {
  await pail?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** curl the URL the way a user would; returns the HTTP status and the saved bytes. */
async function curlDownload(url: string): Promise<{ status: string; saved: Buffer }> {
  const out = join(tmp, `dl-${Math.random().toString(36).slice(2)}`);
  const c = await curl(['-sS', '-o', out, '-w', '%{http_code}', url]);
  assert.equal(c.code, 0, `curl exit ${c.code}: ${c.stderr}`);
  return { status: c.stdout, saved: await readFile(out) };
}

/** `x-oss-date=20261129T133802Z` → ms since epoch. */
function v4SignedAt(url: string): number {
  const m = /[?&]x-oss-date=(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(url);
  assert.ok(m, `no x-oss-date in ${url}`);
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

function assertExpired(status: string | number, saved: Buffer, context: string): void {
  assert.equal(String(status), '403', `${context}: ${saved.toString().slice(0, 300)}`);
  assert.equal(xmlField(saved, 'Code'), 'AccessDenied', context);
  assert.equal(xmlField(saved, 'Message'), 'Request has expired.', context);
  assert.equal(xmlField(saved, 'EC'), '0002-00000069', context);
  assertNoObjectBytes(saved, body, context);
}

const TAMPER_SOURCES = ['signatureUrlV4', 'signatureUrl (V1)', 'pail presign', 'pail presign --v1'] as const;
type TamperSource = (typeof TAMPER_SOURCES)[number];
interface TamperResult {
  where: string;
  status: number;
  code: string | undefined;
  message: string | undefined;
  leaked: boolean;
}
const tampered = new Map<TamperSource, Promise<{ tried: number; results: TamperResult[] }>>();

/** Signs one URL with `source`, checks it works, then requests every one-character mutation (once per source). */
function tamper(source: TamperSource): Promise<{ tried: number; results: TamperResult[] }> {
  let p = tampered.get(source);
  if (!p) {
    p = (async () => {
      pail.syncClock();
      const key = 'tamper/Key 1+x.bin';
      await client.put(key, body);
      const url =
        source === 'signatureUrlV4'
          ? await client.signatureUrlV4('GET', 600, { headers: {} }, key)
          : source === 'signatureUrl (V1)'
            ? client.signatureUrl(key, { expires: 600 })
            : await pailPresign(key, 600, source === 'pail presign --v1' ? ['--v1'] : []);
      const control = await rawRequest(url);
      assert.equal(control.status, 200, `control: ${control.body.toString().slice(0, 300)}`);
      assert.equal(sha256(control.body), sha256(body));
      const results: TamperResult[] = [];
      for (const m of mutations(url)) {
        const r = await rawRequest(m.url);
        const probe = body.subarray(0, 32);
        results.push({
          where: m.where,
          status: r.status,
          code: xmlField(r.body, 'Code'),
          message: xmlField(r.body, 'Message'),
          leaked: r.body.equals(body) || r.body.indexOf(probe) !== -1,
        });
      }
      return { tried: results.length, results };
    })();
    tampered.set(source, p);
  }
  return p;
}

describe('presigned URLs with real tools', () => {
  it("the guide's Node example (signatureUrlV4, 3600 s) → curl downloads it byte-exactly; expired → 403 'Request has expired.'", async () => {
    pail.syncClock();
    const run = await runNode([join(FIXTURES, 'guide-example.cjs')], {
      OSS_ACCESS_KEY_ID: pail.accessKeyId,
      OSS_ACCESS_KEY_SECRET: pail.accessKeySecret,
      PAIL_ENDPOINT: `http://localhost:${pail.port}`,
    });
    assert.equal(run.code, 0, run.stderr);
    const url = run.stdout.trim();
    assert.ok(url.startsWith(`http://localhost:${pail.port}/${BUCKET}/${OBJECT}?`), url);
    assert.ok(url.includes('x-oss-expires=3600'), url);

    const ok = await curlDownload(url);
    assert.equal(ok.status, '200', ok.saved.toString().slice(0, 300));
    assert.equal(sha256(ok.saved), sha256(body));

    const signedAt = v4SignedAt(url);
    try {
      // Valid up to and including x-oss-date + x-oss-expires (oss-signature.md §2.5).
      pail.clock.set(signedAt + 3600 * 1000);
      const last = await curlDownload(url);
      assert.equal(last.status, '200', `at the last valid second: ${last.saved.toString().slice(0, 300)}`);
      assert.equal(sha256(last.saved), sha256(body));
      pail.clock.set(signedAt + 3601 * 1000);
      const late = await curlDownload(url);
      assertExpired(late.status, late.saved, 'one second after expiry');
    } finally {
      pail.syncClock();
    }
  });

  it('signatureUrl (V1, absolute Expires) downloads, then expires → 403', async () => {
    pail.syncClock();
    const url = client.signatureUrl(OBJECT, { expires: 60 });
    const ok = await curlDownload(url);
    assert.equal(ok.status, '200', ok.saved.toString().slice(0, 300));
    assert.equal(sha256(ok.saved), sha256(body));
    const m = /[?&]Expires=(\d+)/.exec(url);
    assert.ok(m, url);
    try {
      pail.clock.set(Number(m[1]) * 1000 + 1000);
      const late = await curlDownload(url);
      assertExpired(late.status, late.saved, 'V1 URL after Expires');
    } finally {
      pail.syncClock();
    }
  });

  it('signatureUrlV4 with a short expiry: valid now, 403 once the clock passes it', async () => {
    pail.syncClock();
    const url = await client.signatureUrlV4('GET', 2, { headers: {} }, OBJECT);
    const ok = await rawRequest(url);
    assert.equal(ok.status, 200);
    assert.equal(sha256(ok.body), sha256(body));
    try {
      pail.clock.set(v4SignedAt(url) + 3000);
      const late = await rawRequest(url);
      assertExpired(late.status, late.body, 'V4 URL 3 s after signing with expires=2');
    } finally {
      pail.syncClock();
    }
  });

  it('a valid signature for a missing key → 404 NoSuchKey (no bytes)', async () => {
    const url = await client.signatureUrlV4('GET', 60, { headers: {} }, 'no-such-object.txt');
    const r = await rawRequest(url);
    assert.equal(r.status, 404);
    assert.equal(xmlField(r.body, 'Code'), 'NoSuchKey');
    assert.equal(xmlField(r.body, 'EC'), '0026-00000001');
  });

  it('`pail presign` URLs (V4, and V1 with --v1) download byte-exactly with curl; V4 expires', async () => {
    pail.syncClock();
    const url = await pailPresign(OBJECT, 120);
    const ok = await curlDownload(url);
    assert.equal(ok.status, '200', `${url}\n${ok.saved.toString().slice(0, 300)}`);
    assert.equal(sha256(ok.saved), sha256(body));
    try {
      pail.clock.set(Date.now() + 3600 * 1000);
      const late = await curlDownload(url);
      assertExpired(late.status, late.saved, '`pail presign` URL an hour later');
    } finally {
      pail.syncClock();
    }
    const v1 = await pailPresign(OBJECT, 120, ['--v1']);
    assert.ok(v1.includes('OSSAccessKeyId='), v1);
    const okV1 = await curlDownload(v1);
    assert.equal(okV1.status, '200', `${v1}\n${okV1.saved.toString().slice(0, 300)}`);
    assert.equal(sha256(okV1.saved), sha256(body));
  });

  for (const source of TAMPER_SOURCES) {
    it(`${source}: a URL with any one character of a signed part changed never yields the object (no 2xx, no bytes)`, async () => {
      const { tried, results } = await tamper(source);
      assert.ok(tried > 50, `only ${tried} mutations`);
      const served = results.filter((r) => r.status < 300 || r.leaked);
      assert.deepEqual(served.map((r) => `${r.where} → ${r.status}`), [], 'one-character changes that were served');
    });
    it(`${source}: every one-character change of a signed part is answered 403`, async () => {
      const { tried, results } = await tamper(source);
      // A changed bucket name may name a bucket that does not exist; OSS answers that with
      // 404 NoSuchBucket before looking at the signature, which reveals nothing about the object.
      const wrong = results
        .filter((r) => !(r.status === 403 || (r.where.startsWith('bucket') && r.status === 404 && r.code === 'NoSuchBucket')))
        .map((r) => `${r.where} → ${r.status} ${r.code ?? ''} ${r.message ?? ''}`);
      assert.deepEqual(wrong, [], `${wrong.length}/${tried} one-character changes were not answered 403:\n${wrong.join('\n')}`);
    });
  }

  it('the server log (debug level) carries no secret and no signature', () => {
    assertNoSecretsInLogs(pail);
  });
});

/** Runs `pail presign` and returns the URL it prints. */
async function pailPresign(key: string, expires: number, extra: readonly string[] = []): Promise<string> {
  const run = await runNode(
    [PAIL_CLI, 'presign', `oss://${BUCKET}/${key}`, '--endpoint', `http://localhost:${pail.port}`, '--expires', String(expires), ...extra],
    { OSS_ACCESS_KEY_ID: pail.accessKeyId, OSS_ACCESS_KEY_SECRET: pail.accessKeySecret },
  );
  assert.equal(run.code, 0, `pail presign exited ${run.code}: ${run.stderr}`);
  const url = run.stdout.trim().split('\n').pop()!;
  assert.ok(url.startsWith('http://'), `pail presign printed: ${run.stdout}`);
  return url;
}

/** The next character of the same class, so the URL stays well-formed; null = leave it. */
function mutateChar(c: string): string | null {
  if (c >= '0' && c <= '8') return String.fromCharCode(c.charCodeAt(0) + 1);
  if (c === '9') return '0';
  if ((c >= 'a' && c <= 'y') || (c >= 'A' && c <= 'Y')) return String.fromCharCode(c.charCodeAt(0) + 1);
  if (c === 'z') return 'a';
  if (c === 'Z') return 'A';
  if (c === '-' || c === '.') return '_';
  if (c === '_') return '-';
  return null;
}

/**
 * Every URL that differs from `url` in exactly one character of a signed part: the bucket and
 * key in the path, and every query value except inside %XX escapes (a changed escape can
 * decode to a different structure, e.g. a `/` in the credential, not a different value).
 */
function* mutations(url: string): Generator<{ where: string; url: string }> {
  const { host, target } = splitUrl(url);
  const q = target.indexOf('?');
  const path = target.slice(0, q);
  const query = target.slice(q + 1);
  const bucketEnd = path.indexOf('/', 1);
  const escaped = (s: string, i: number) => (i >= 1 && s[i - 1] === '%') || (i >= 2 && s[i - 2] === '%') || s[i] === '%';
  for (let i = 1; i < path.length; i++) {
    const m = path[i] === '/' ? null : mutateChar(path[i]!);
    if (m === null) continue;
    const where = i < bucketEnd ? `bucket[${i - 1}]` : `key[${i - bucketEnd - 1}]`;
    yield { where, url: `http://${host}${path.slice(0, i)}${m}${path.slice(i + 1)}?${query}` };
  }
  const params = query.split('&');
  for (let p = 0; p < params.length; p++) {
    const param = params[p]!;
    const eq = param.indexOf('=');
    const name = param.slice(0, eq);
    const value = param.slice(eq + 1);
    for (let j = 0; j < value.length; j++) {
      if (escaped(value, j)) continue;
      const m = mutateChar(value[j]!);
      if (m === null) continue;
      const changed = [...params];
      changed[p] = `${name}=${value.slice(0, j)}${m}${value.slice(j + 1)}`;
      yield { where: `${name}[${j}]`, url: `http://${host}${path}?${changed.join('&')}` };
    }
  }
}
