/**
 * THE ali-oss workflow: one ordered list of steps, each driving a real `ali-oss` method against a
 * real Pail, run once per signature version (alioss-v4.test.ts, alioss-v1.test.ts) and in part
 * with virtual-hosted addressing (alioss-vhost.test.ts). Later issues extend this one file:
 *
 *  - a new operation that works → a step in STEPS;
 *  - an operation whose server side has not landed → a step in LATER_STEPS, tagged with its
 *    operation name, and that name in PENDING_OPERATIONS. A pending step still runs; it passes
 *    only if the server answers 501 NotImplemented, and it FAILS once the operation works (so
 *    whoever lands it removes the name and the step becomes a real assertion). Nothing is
 *    silently skipped.
 *
 * Every download is checked with sha256 against what was uploaded (`ctx.objects`).
 * Facts about ali-oss behaviour cite ../shared/reference/alioss-wire/README.md ("wire §n").
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ALI_OSS_VERSION, type MultipartCheckpoint, type OssClient, type OssError, type OssOptions } from './alioss.js';
import {
  aliOss,
  assertNoObjectBytes,
  assertNoSecretsInLogs,
  byUtf8,
  bytes,
  crc64,
  curl,
  drain,
  expectOssError,
  loopbackAgent,
  mapLimit,
  md5Etag,
  type PailUnderTest,
  REQUEST_ID,
  rawRequest,
  type SignatureVersion,
  sha256,
  startPail,
  xmlField,
} from './harness.js';

/**
 * Operations whose server side has not landed yet. Their steps (LATER_STEPS) must currently fail
 * with 501 NotImplemented. The lead empties this list as the object API lands.
 */
export const PENDING_OPERATIONS: ReadonlySet<PendingOperation> = new Set<PendingOperation>([]);

export type PendingOperation =
  | 'CopyObject'
  | 'MultipartUpload'
  | 'AppendObject'
  | 'DeleteMultipleObjects'
  | 'ObjectTagging'
  | 'Symlink';

export type Addressing = 'path' | 'virtual-hosted';

export interface WorkflowContext {
  readonly version: SignatureVersion;
  readonly addressing: Addressing;
  readonly pail: PailUnderTest;
  /** The main bucket (created by the first step, emptied and deleted by the last). */
  readonly bucket: string;
  /** A second bucket for PutBucket-with-ACL and DeleteBucket of an empty bucket. */
  readonly bucket2: string;
  /** Signed with the version under test, bound to `bucket`. */
  readonly client: OssClient;
  /** Another client with the same options, bound to another bucket or with other credentials. */
  clientFor(bucket: string, overrides?: Partial<OssOptions>): OssClient;
  /** Every object the main bucket must hold, with its exact bytes. */
  readonly objects: Map<string, Buffer>;
  /** An unsigned URL for a key in the main bucket, addressed the way the client addresses it. */
  objectUrl(key: string): string;
  /** An unsigned URL for the main bucket itself (ListObjects). */
  bucketUrl(): string;
  /** Scratch directory for curl output. */
  readonly tmp: string;
}

export interface Step {
  /** Stable id, used to pick a subset (alioss-vhost.test.ts). */
  readonly id: string;
  /** Test title: the OSS operation names it covers, then what is checked. */
  readonly title: string;
  run(ctx: WorkflowContext): Promise<void>;
}

export interface PendingStep extends Step {
  readonly operation: PendingOperation;
}

// ---------------------------------------------------------------------------------------------
// helpers

/** ali-oss's path escaping (`client._escape`): encodeURIComponent, `/` kept (wire §3.1). */
export function escapeKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/');
}

async function putTracked(
  ctx: WorkflowContext,
  key: string,
  body: Buffer,
  options?: Parameters<OssClient['put']>[2],
): Promise<void> {
  const r = await ctx.client.put(key, body, options);
  assert.equal(r.res.status, 200);
  assert.equal(r.res.headers.etag, md5Etag(body), `ETag of ${key}`);
  ctx.objects.set(key, body);
}

/** GetObject through ali-oss, sha256-checked against what the bucket must hold. */
async function getVerified(ctx: WorkflowContext, key: string, client: OssClient = ctx.client): Promise<void> {
  const expected = ctx.objects.get(key);
  assert.ok(expected, `test bug: ${key} not tracked`);
  const r = await client.get(key);
  assert.equal(r.res.status, 200, key);
  assert.equal(sha256(r.content), sha256(expected), `sha256 of GET ${JSON.stringify(key)}`);
  assert.equal(r.res.headers['content-length'], String(expected.length), key);
  // Go v2, oss2 and ossutil verify this header when present (oss-api-notes §5.1): absent or exact,
  // also for multipart and appendable objects (the combined CRC).
  const crc = r.res.headers['x-oss-hash-crc64ecma'];
  if (crc !== undefined) assert.equal(crc, crc64(expected), `x-oss-hash-crc64ecma of ${JSON.stringify(key)}`);
}

/** A plain HTTP GET of a presigned URL, sha256-checked. */
async function downloadVerified(url: string, expected: Buffer, label: string): Promise<void> {
  const r = await rawRequest(url);
  assert.equal(r.status, 200, `${label}: ${r.status} ${r.body.toString().slice(0, 300)}`);
  assert.equal(sha256(r.body), sha256(expected), `${label}: sha256`);
}

function anonymous(url: string, method = 'GET') {
  return rawRequest(url, { method });
}

/** Lists every key under `prefix` with ListObjects (v1) paging by marker. */
async function listAllV1(client: OssClient, prefix: string, maxKeys: number) {
  const keys: string[] = [];
  const pages: { count: number; isTruncated: boolean; nextMarker: string | null | undefined }[] = [];
  let marker = '';
  for (;;) {
    const query: Record<string, string | number> = { prefix, 'max-keys': maxKeys };
    if (marker) query.marker = marker;
    const r = await client.list(query);
    assert.equal(r.res.status, 200);
    keys.push(...r.objects.map((o) => o.name));
    pages.push({ count: r.objects.length, isTruncated: r.isTruncated, nextMarker: r.nextMarker });
    if (!r.isTruncated) break;
    assert.ok(r.nextMarker, 'a truncated ListObjects page carries NextMarker');
    marker = r.nextMarker;
    assert.ok(pages.length < 100, 'runaway paging');
  }
  return { keys, pages };
}

/** Lists every key under `prefix` with ListObjectsV2 paging by continuation token. */
async function listAllV2(client: OssClient, prefix: string, maxKeys: number) {
  const keys: string[] = [];
  const pages: { count: number; keyCount: number | undefined; isTruncated: boolean }[] = [];
  let token: string | null | undefined = null;
  for (;;) {
    const query: Record<string, string | number> = { prefix, 'max-keys': maxKeys };
    if (token) query['continuation-token'] = token;
    const r = await client.listV2(query);
    assert.equal(r.res.status, 200);
    keys.push(...r.objects.map((o) => o.name));
    pages.push({ count: r.objects.length, keyCount: r.keyCount, isTruncated: r.isTruncated });
    if (token) assert.equal(r.continuationToken, token, 'ContinuationToken echoes the request');
    if (!r.isTruncated) break;
    assert.ok(r.nextContinuationToken, 'a truncated ListObjectsV2 page carries NextContinuationToken');
    token = r.nextContinuationToken;
    assert.ok(pages.length < 100, 'runaway paging');
  }
  return { keys, pages };
}

function sortedKeys(ctx: WorkflowContext, prefix: string): string[] {
  return [...ctx.objects.keys()].filter((k) => k.startsWith(prefix)).sort(byUtf8);
}

/** Keys that break naive servers: reserved URL characters, non-ASCII, dot segments, `//`. */
export const NASTY_KEYS: readonly string[] = [
  'nasty/with space.txt',
  'nasty/  two  leading spaces',
  'nasty/plus+sign+.txt',
  'nasty/percent%.txt',
  'nasty/percent-encoded-looking%20%2F%zz.txt',
  'nasty/hash#fragment.txt',
  'nasty/question?mark=1&x=y.txt',
  "nasty/quote'and\"double.txt",
  'nasty/amp&semi;colon,comma=eq$dollar@at!bang*star(paren).txt',
  'nasty/tilde~under_score-dash.dot.txt',
  'nasty/中文/文件名.txt',
  'nasty/日本語 キー.bin',
  'nasty/emoji-😀-🪣.bin',
  // The same text in NFC and NFD: two different keys (no Unicode normalisation anywhere).
  'nasty/caf\u00e9',
  'nasty/cafe\u0301',
  'nasty/double//slash.txt',
  'nasty/trailing-dot.',
  'nasty/...three-dots',
  'nasty/.hidden/..almost',
  'nasty/back\\slash.txt',
  'nasty/%2E%2E/encoded-dots.txt',
  // U+FF21 sorts before U+1F600 in UTF-8 (EF… < F0…) but after it in UTF-16 (FF21 > D83D):
  // only a byte-order listing gets these two right.
  'nasty/\uff21-fullwidth.txt',
  'nasty/\u{1f600}-astral.txt',
  // The longest key OSS allows: 1023 UTF-8 bytes.
  `nasty/long-${'k'.repeat(1023 - 'nasty/long-'.length - 3)}中`,
];

/**
 * Keys with `.` / `..` path segments. ali-oss 6.23 cannot address them: urllib resolves the dot
 * segments of the request path (`PUT /b/nasty/./x` goes out as `PUT /b/nasty/x`) while the
 * signature covers the unresolved key, so real OSS and Pail both refuse the call. Presigned
 * URLs keep the segments, so these keys are written and read through them with a raw HTTP
 * client and curl `--path-as-is`, and listed through ali-oss.
 */
export const DOT_SEGMENT_KEYS: readonly string[] = [
  'nasty/./dot-segment.txt',
  'nasty/../dotdot-segment.txt',
  'nasty/a/../../escape.txt',
  './leading-dot-slash.txt',
  '../leading-dotdot-slash.txt',
];

// ---------------------------------------------------------------------------------------------
// the workflow

export const STEPS: readonly Step[] = [
  {
    id: 'sdk-version',
    title: 'ali-oss is the pinned 6.23.x',
    async run() {
      assert.match(ALI_OSS_VERSION, /^6\.23\./);
    },
  },
  {
    id: 'put-bucket',
    title: 'PutBucket (x-oss-acl) → 200; again → 409 BucketAlreadyExists',
    async run(ctx) {
      const r = await ctx.client.putBucket(ctx.bucket, { acl: 'private' });
      assert.equal(r.res.status, 200);
      // A storage class travels as a <CreateBucketConfiguration> body with Content-MD5 (wire §2.1).
      const r2 = await ctx.client.putBucket(ctx.bucket2, { acl: 'public-read', storageClass: 'IA' });
      assert.equal(r2.res.status, 200);
      assert.equal((await ctx.client.getBucketACL(ctx.bucket2)).acl, 'public-read');
      assert.equal((await ctx.client.getBucketInfo(ctx.bucket2)).bucket.StorageClass, 'IA');
      assert.equal((await ctx.client.getBucketACL(ctx.bucket)).acl, 'private');
      await expectOssError(ctx.client.putBucket(ctx.bucket), { code: 'BucketAlreadyExists', status: 409 });
    },
  },
  {
    id: 'list-buckets',
    title: 'ListBuckets lists both buckets with region, creation date and owner',
    async run(ctx) {
      const r = await ctx.client.listBuckets();
      assert.equal(r.res.status, 200);
      const names = (r.buckets ?? []).map((b) => b.name);
      assert.ok(names.includes(ctx.bucket) && names.includes(ctx.bucket2), `buckets: ${names.join(',')}`);
      const mine = r.buckets!.find((b) => b.name === ctx.bucket)!;
      assert.equal(mine.region, 'oss-cn-hangzhou');
      assert.ok(!Number.isNaN(Date.parse(mine.creationDate)), `CreationDate ${mine.creationDate}`);
      assert.ok(r.owner.id, 'Owner/ID');
      assert.equal(r.isTruncated, false);
      const page = await ctx.client.listBuckets({ prefix: ctx.bucket2 });
      assert.deepEqual((page.buckets ?? []).map((b) => b.name), [ctx.bucket2], 'ListBuckets prefix');
    },
  },
  {
    id: 'bucket-info',
    title: 'GetBucketInfo, GetBucketLocation',
    async run(ctx) {
      const info = await ctx.client.getBucketInfo(ctx.bucket);
      assert.equal(info.res.status, 200);
      assert.equal(info.bucket.Name, ctx.bucket);
      assert.equal(info.bucket.Location, 'oss-cn-hangzhou');
      assert.ok(!Number.isNaN(Date.parse(String(info.bucket.CreationDate))), 'CreationDate');
      const loc = await ctx.client.getBucketLocation(ctx.bucket);
      assert.equal(loc.location, 'oss-cn-hangzhou');
      await expectOssError(ctx.client.getBucketInfo(`${ctx.bucket}-missing`), {
        code: 'NoSuchBucket',
        status: 404,
        ec: '0015-00000101',
      });
    },
  },
  {
    id: 'bucket-acl',
    title: 'PutBucketAcl / GetBucketAcl, enforced for anonymous ListObjects',
    async run(ctx) {
      assert.equal((await anonymous(ctx.bucketUrl())).status, 403, 'anonymous list of a private bucket');
      const r = await ctx.client.putBucketACL(ctx.bucket, 'public-read');
      assert.equal(r.res.status, 200);
      const g = await ctx.client.getBucketACL(ctx.bucket);
      assert.equal(g.acl, 'public-read');
      assert.ok(g.owner.id, 'Owner/ID');
      const anon = await anonymous(ctx.bucketUrl());
      assert.equal(anon.status, 200, `anonymous list of a public-read bucket: ${anon.body.toString().slice(0, 200)}`);
      await ctx.client.putBucketACL(ctx.bucket, 'private');
      assert.equal((await ctx.client.getBucketACL(ctx.bucket)).acl, 'private');
      const denied = await anonymous(ctx.bucketUrl());
      assert.equal(denied.status, 403);
      assert.equal(xmlField(denied.body, 'Code'), 'AccessDenied');
      await expectOssError(ctx.client.putBucketACL(ctx.bucket, 'public-everything'), { code: 'InvalidArgument', status: 400 });
    },
  },
  {
    id: 'put-buffer',
    title: 'PutObject (Buffer) → 200 + ETag; GetObject sha256; empty object',
    async run(ctx) {
      await putTracked(ctx, 'plain.txt', bytes(4096, 1));
      await getVerified(ctx, 'plain.txt');
      // The addressing under test is the one on the wire (bucket in the path, or in the Host).
      const sent = (await ctx.client.head('plain.txt')).res.requestUrls?.[0];
      assert.equal(sent?.split('?')[0], ctx.objectUrl('plain.txt'), 'request URL');
      await putTracked(ctx, 'empty.bin', Buffer.alloc(0));
      await getVerified(ctx, 'empty.bin');
      // Overwrite: the new bytes win.
      await putTracked(ctx, 'plain.txt', bytes(5000, 2));
      await getVerified(ctx, 'plain.txt');
    },
  },
  {
    id: 'put-stream',
    title: 'PutObject (stream: chunked, and putStream with contentLength)',
    async run(ctx) {
      const body = bytes(300_000, 3);
      const chunks = [body.subarray(0, 1), body.subarray(1, 65_537), body.subarray(65_537)];
      // put(Readable) without contentLength goes out as Transfer-Encoding: chunked, no Content-MD5 (wire §2.1).
      const r = await ctx.client.put('stream/chunked.bin', Readable.from(chunks));
      assert.equal(r.res.status, 200);
      ctx.objects.set('stream/chunked.bin', body);
      await getVerified(ctx, 'stream/chunked.bin');
      const body2 = bytes(70_000, 4);
      const r2 = await ctx.client.putStream('stream/sized.bin', Readable.from([body2]), { contentLength: body2.length });
      assert.equal(r2.res.status, 200);
      ctx.objects.set('stream/sized.bin', body2);
      await getVerified(ctx, 'stream/sized.bin');
    },
  },
  {
    id: 'put-meta-headers',
    title: 'PutObject with x-oss-meta-* and HTTP headers; HeadObject echoes them',
    async run(ctx) {
      const body = bytes(1234, 5);
      await putTracked(ctx, 'meta/described.dat', body, {
        mime: 'application/x-pail-test',
        meta: { color: 'blue', 'multi-word': 'a b  c' },
        headers: {
          'Cache-Control': 'max-age=60',
          'Content-Disposition': 'attachment; filename="d.dat"',
          'Content-Language': 'en',
          Expires: 'Wed, 21 Oct 2037 07:28:00 GMT',
        },
      });
      const h = await ctx.client.head('meta/described.dat');
      assert.equal(h.status, 200);
      assert.deepEqual(h.meta, { color: 'blue', 'multi-word': 'a b  c' });
      const hd = h.res.headers;
      assert.equal(hd['content-type'], 'application/x-pail-test');
      assert.equal(hd['cache-control'], 'max-age=60');
      assert.equal(hd['content-disposition'], 'attachment; filename="d.dat"');
      assert.equal(hd['content-language'], 'en');
      assert.equal(hd.expires, 'Wed, 21 Oct 2037 07:28:00 GMT');
      // Non-ASCII metadata: Node refuses it unless the client sends raw UTF-8 octets
      // (headerEncoding latin1); the signature covers the UTF-8 text and the server must echo the
      // same octets, which ali-oss hands back latin1-decoded (wire §3.2).
      const raw = ctx.clientFor(ctx.bucket, { headerEncoding: 'latin1' });
      await raw.put('meta/utf8.txt', Buffer.from('u'), { meta: { name: '中文 ü 😀' } });
      ctx.objects.set('meta/utf8.txt', Buffer.from('u'));
      const hu = await raw.head('meta/utf8.txt');
      assert.equal(Buffer.from(String(hu.meta?.name), 'latin1').toString('utf8'), '中文 ü 😀');
      const g = await ctx.client.get('meta/described.dat');
      assert.equal(g.res.headers['x-oss-meta-color'], 'blue');
      assert.equal(g.res.headers['content-type'], 'application/x-pail-test');
      assert.equal(sha256(g.content), sha256(body));
    },
  },
  {
    id: 'put-object-acl-header',
    title: 'PutObject with x-oss-object-acl; anonymous GET follows it',
    async run(ctx) {
      const body = bytes(2000, 6);
      await putTracked(ctx, 'acl/public.txt', body, { headers: { 'x-oss-object-acl': 'public-read' } });
      assert.equal((await ctx.client.getACL('acl/public.txt')).acl, 'public-read');
      await downloadVerified(ctx.objectUrl('acl/public.txt'), body, 'anonymous GET of a public-read object');
      await putTracked(ctx, 'acl/private.txt', body);
      assert.equal((await ctx.client.getACL('acl/private.txt')).acl, 'default');
      const denied = await anonymous(ctx.objectUrl('acl/private.txt'));
      assert.equal(denied.status, 403);
      assert.equal(xmlField(denied.body, 'Code'), 'AccessDenied');
      assertNoObjectBytes(denied.body, body, 'anonymous GET of a private object');
    },
  },
  {
    id: 'forbid-overwrite',
    title: 'PutObject x-oss-forbid-overwrite → 409 FileAlreadyExists, bytes untouched',
    async run(ctx) {
      const original = bytes(3000, 7);
      await putTracked(ctx, 'fo/guarded.txt', original, { headers: { 'x-oss-forbid-overwrite': 'true' } });
      await expectOssError(ctx.client.put('fo/guarded.txt', bytes(10, 8), { headers: { 'x-oss-forbid-overwrite': 'true' } }), {
        code: 'FileAlreadyExists',
        status: 409,
      });
      await getVerified(ctx, 'fo/guarded.txt');
      await putTracked(ctx, 'fo/guarded.txt', bytes(11, 9), { headers: { 'x-oss-forbid-overwrite': 'false' } });
      await getVerified(ctx, 'fo/guarded.txt');
    },
  },
  {
    id: 'get-range',
    title: 'GetObject / GetObjectStream with Range → 206 + Content-Range',
    async run(ctx) {
      const body = bytes(100_000, 10);
      await putTracked(ctx, 'range/r.bin', body);
      const r = await ctx.client.get('range/r.bin', { headers: { Range: 'bytes=10-19' } });
      assert.equal(r.res.status, 206);
      assert.equal(r.res.headers['content-range'], `bytes 10-19/${body.length}`);
      assert.equal(sha256(r.content), sha256(body.subarray(10, 20)));
      const tail = await ctx.client.get('range/r.bin', { headers: { Range: 'bytes=-5' } });
      assert.equal(tail.res.status, 206);
      assert.equal(sha256(tail.content), sha256(body.subarray(body.length - 5)));
      const open = await ctx.client.get('range/r.bin', { headers: { Range: 'bytes=99990-' } });
      assert.equal(open.res.status, 206);
      assert.equal(sha256(open.content), sha256(body.subarray(99_990)));
      const s = await ctx.client.getStream('range/r.bin', { headers: { Range: 'bytes=65536-70000' } });
      assert.equal(s.res.status, 206);
      assert.equal(sha256(await drain(s.stream)), sha256(body.subarray(65_536, 70_001)));
      // OSS: an unsatisfiable range without x-oss-range-behavior is ignored → 200, whole object
      // (oss-api-notes §5.5).
      const bad = await ctx.client.get('range/r.bin', { headers: { Range: `bytes=${body.length}-${body.length + 10}` } });
      assert.equal(bad.res.status, 200);
      assert.equal(sha256(bad.content), sha256(body));
    },
  },
  {
    id: 'get-stream',
    title: 'GetObjectStream (whole object) sha256',
    async run(ctx) {
      const body = bytes(1_048_576 + 17, 11);
      await putTracked(ctx, 'stream/big.bin', body);
      const s = await ctx.client.getStream('stream/big.bin');
      assert.equal(s.res.status, 200);
      assert.equal(sha256(await drain(s.stream)), sha256(body));
    },
  },
  {
    id: 'conditional',
    title: 'GetObject / HeadObject with If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since → 304 / 412',
    async run(ctx) {
      const key = 'plain.txt';
      const etag = md5Etag(ctx.objects.get(key)!);
      const h = await ctx.client.head(key);
      const lastModified = h.res.headers['last-modified']!;
      assert.ok(!Number.isNaN(Date.parse(lastModified)), `Last-Modified ${lastModified}`);
      const past = 'Mon, 01 Jan 2001 00:00:00 GMT';
      const future = 'Fri, 01 Jan 2100 00:00:00 GMT';

      const notModified = await ctx.client.get(key, { headers: { 'If-None-Match': etag } });
      assert.equal(notModified.res.status, 304);
      assert.equal((notModified.content ?? Buffer.alloc(0)).length, 0);
      assert.equal((await ctx.client.get(key, { headers: { 'If-Modified-Since': lastModified } })).res.status, 304);
      assert.equal((await ctx.client.head(key, { headers: { 'If-None-Match': etag } })).status, 304);

      const matched = await ctx.client.get(key, { headers: { 'If-Match': etag } });
      assert.equal(matched.res.status, 200);
      assert.equal(sha256(matched.content), sha256(ctx.objects.get(key)!));
      assert.equal((await ctx.client.get(key, { headers: { 'If-None-Match': '"0123456789ABCDEF0123456789ABCDEF"' } })).res.status, 200);
      assert.equal((await ctx.client.get(key, { headers: { 'If-Modified-Since': past } })).res.status, 200);
      // A date later than the server's clock is invalid and ignored (RFC 7232 §3.3).
      assert.equal((await ctx.client.get(key, { headers: { 'If-Modified-Since': future } })).res.status, 200);
      assert.equal((await ctx.client.get(key, { headers: { 'If-Unmodified-Since': future } })).res.status, 200);

      await expectOssError(ctx.client.get(key, { headers: { 'If-Match': '"0123456789ABCDEF0123456789ABCDEF"' } }), {
        code: 'PreconditionFailed',
        status: 412,
      });
      await expectOssError(ctx.client.get(key, { headers: { 'If-Unmodified-Since': past } }), {
        code: 'PreconditionFailed',
        status: 412,
      });
      // HEAD has no body: ali-oss maps a body-less 412 itself (wire §4.4).
      await expectOssError(ctx.client.head(key, { headers: { 'If-Match': '"0123456789ABCDEF0123456789ABCDEF"' } }), {
        code: 'PreconditionFailed',
        status: 412,
        ec: null,
      });
    },
  },
  {
    id: 'head',
    title: 'HeadObject: ETag, Content-Length, Last-Modified, object type, CRC-64',
    async run(ctx) {
      const body = ctx.objects.get('plain.txt')!;
      const h = await ctx.client.head('plain.txt');
      assert.equal(h.status, 200);
      const hd = h.res.headers;
      assert.equal(hd.etag, md5Etag(body));
      assert.equal(hd['content-length'], String(body.length));
      assert.equal(hd['x-oss-object-type'], 'Normal');
      assert.match(String(hd['x-oss-request-id']), REQUEST_ID);
      // Go v2/oss2/ossutil verify this header when present (oss-api-notes §5.1): absent or exact.
      if (hd['x-oss-hash-crc64ecma'] !== undefined) assert.equal(hd['x-oss-hash-crc64ecma'], crc64(body));
      await expectOssError(ctx.client.head('no/such/key.txt'), { code: 'NoSuchKey', status: 404, ec: null });
    },
  },
  {
    id: 'object-meta',
    title: 'GetObjectMeta → 200 with ETag, Content-Length, Last-Modified',
    async run(ctx) {
      const body = ctx.objects.get('plain.txt')!;
      const m = await ctx.client.getObjectMeta('plain.txt');
      assert.equal(m.status, 200);
      assert.equal(m.res.headers.etag, md5Etag(body));
      assert.equal(m.res.headers['content-length'], String(body.length));
      assert.ok(m.res.headers['last-modified'], 'Last-Modified');
      await expectOssError(ctx.client.getObjectMeta('no/such/key.txt'), { code: 'NoSuchKey', status: 404, ec: null });
    },
  },
  {
    id: 'object-acl',
    title: 'PutObjectAcl / GetObjectAcl (public-read, private, default)',
    async run(ctx) {
      const key = 'acl/toggled.txt';
      const body = bytes(777, 12);
      await putTracked(ctx, key, body);
      assert.equal((await ctx.client.getACL(key)).acl, 'default');
      assert.equal((await ctx.client.putACL(key, 'public-read')).res.status, 200);
      const g = await ctx.client.getACL(key);
      assert.equal(g.acl, 'public-read');
      assert.ok(g.owner.id, 'Owner/ID');
      await downloadVerified(ctx.objectUrl(key), body, 'anonymous GET after PutObjectAcl public-read');
      await ctx.client.putACL(key, 'private');
      assert.equal((await ctx.client.getACL(key)).acl, 'private');
      assert.equal((await anonymous(ctx.objectUrl(key))).status, 403);
      await ctx.client.putACL(key, 'default');
      assert.equal((await ctx.client.getACL(key)).acl, 'default');
      await expectOssError(ctx.client.putACL('no/such/key.txt', 'private'), { code: 'NoSuchKey', status: 404 });
    },
  },
  {
    id: 'delete-object',
    title: 'DeleteObject → 204 (and 204 for a missing key)',
    async run(ctx) {
      await putTracked(ctx, 'del/victim.txt', bytes(100, 13));
      const r = await ctx.client.delete('del/victim.txt');
      assert.equal(r.res.status, 204);
      ctx.objects.delete('del/victim.txt');
      await expectOssError(ctx.client.get('del/victim.txt'), { code: 'NoSuchKey', status: 404, ec: '0026-00000001' });
      const again = await ctx.client.delete('del/victim.txt');
      assert.equal(again.res.status, 204);
      const never = await ctx.client.delete('del/never-existed.txt');
      assert.equal(never.res.status, 204);
    },
  },
  {
    id: 'nasty-keys',
    title: 'nasty keys: PutObject, GetObject, HeadObject, ListObjects, presigned V4 + V1 downloads',
    async run(ctx) {
      await mapLimit(NASTY_KEYS, 8, (key, i) => putTracked(ctx, key, bytes(257 + i, 100 + i)));
      for (const key of NASTY_KEYS) {
        await getVerified(ctx, key);
        const h = await ctx.client.head(key);
        assert.equal(h.res.headers.etag, md5Etag(ctx.objects.get(key)!), `HEAD ${key}`);
      }
      // Listing returns the keys byte-exact, in UTF-8 byte order (ali-oss never asks for encoding-type=url).
      for (const prefix of ['nasty/', '.']) {
        const listed = await listAllV1(ctx.client, prefix, 1000);
        assert.deepEqual(listed.keys, sortedKeys(ctx, prefix), `ListObjects prefix=${prefix}`);
        const listed2 = await listAllV2(ctx.client, prefix, 1000);
        assert.deepEqual(listed2.keys, sortedKeys(ctx, prefix), `ListObjectsV2 prefix=${prefix}`);
      }
      // Paging through them: markers and continuation tokens made of these keys survive the query string.
      const expected = sortedKeys(ctx, 'nasty/');
      assert.deepEqual((await listAllV1(ctx.client, 'nasty/', 2)).keys, expected, 'ListObjects max-keys=2 (nasty markers)');
      assert.deepEqual((await listAllV2(ctx.client, 'nasty/', 3)).keys, expected, 'ListObjectsV2 max-keys=3 (nasty tokens)');
      for (const [i, key] of expected.entries()) {
        if (i === expected.length - 1) break;
        const after = await ctx.client.listV2({ prefix: 'nasty/', 'start-after': key, 'max-keys': 1 });
        assert.deepEqual(after.objects.map((o) => o.name), [expected[i + 1]], `start-after ${JSON.stringify(key)}`);
      }
      const tooLong = `nasty/long-${'k'.repeat(1024 - 'nasty/long-'.length)}`;
      assert.equal(Buffer.byteLength(tooLong), 1024);
      await expectOssError(ctx.client.put(tooLong, Buffer.from('x')), { code: 'InvalidObjectName', status: 400 });

      for (const key of NASTY_KEYS) {
        const v4 = await ctx.client.signatureUrlV4('GET', 300, { headers: {} }, key);
        await downloadVerified(v4, ctx.objects.get(key)!, `signatureUrlV4 ${JSON.stringify(key)}`);
        const v1 = ctx.client.signatureUrl(key, { expires: 300 });
        await downloadVerified(v1, ctx.objects.get(key)!, `signatureUrl ${JSON.stringify(key)}`);
        // curl too; --path-as-is keeps ./ and ../ segments as signed (curl would otherwise squash them).
        const out = join(ctx.tmp, 'nasty.out');
        const c = await curl(['-sS', '--path-as-is', '-o', out, '-w', '%{http_code}', ...curlResolve(ctx, v4), v4]);
        assert.equal(c.stdout, '200', `curl ${JSON.stringify(key)}: ${c.stderr}`);
        assert.equal(sha256(await readFile(out)), sha256(ctx.objects.get(key)!), `curl sha256 ${JSON.stringify(key)}`);
      }
    },
  },
  {
    id: 'dot-segment-keys',
    title: 'keys with ./ and ../ segments: presigned PUT + GET keep them; the SDK\'s resolved path is refused, not misfiled',
    async run(ctx) {
      const before = (await listAllV2(ctx.client, '', 1000)).keys;
      for (const key of DOT_SEGMENT_KEYS) {
        // urllib sends the resolved path, signed for the unresolved key (see DOT_SEGMENT_KEYS).
        const err = await ctx.client.put(key, Buffer.from('misfiled?')).then(
          () => undefined,
          (e: OssError) => e,
        );
        assert.ok(err, `ali-oss put(${JSON.stringify(key)}) succeeded although its request path lost the dot segments`);
        assert.ok(err.status === 403 || err.status === 400, `${key}: ${err.status} ${err.code}`);
      }
      assert.deepEqual((await listAllV2(ctx.client, '', 1000)).keys, before, 'a refused SDK call wrote nothing');

      for (const [i, key] of DOT_SEGMENT_KEYS.entries()) {
        const body = bytes(300 + i, 400 + i);
        const put = await ctx.client.signatureUrlV4('PUT', 300, { headers: {} }, key);
        const r = await rawRequest(put, { method: 'PUT', body });
        assert.equal(r.status, 200, `presigned PUT ${key}: ${r.status} ${r.body.toString().slice(0, 300)}`);
        assert.equal(r.headers.etag, md5Etag(body), key);
        ctx.objects.set(key, body);
      }
      for (const prefix of ['nasty/', '.']) {
        assert.deepEqual((await listAllV1(ctx.client, prefix, 1000)).keys, sortedKeys(ctx, prefix), `ListObjects prefix=${prefix}`);
      }
      for (const key of DOT_SEGMENT_KEYS) {
        const expected = ctx.objects.get(key)!;
        const v4 = await ctx.client.signatureUrlV4('GET', 300, { headers: {} }, key);
        await downloadVerified(v4, expected, `signatureUrlV4 ${key}`);
        await downloadVerified(ctx.client.signatureUrl(key, { expires: 300 }), expected, `signatureUrl ${key}`);
        const out = join(ctx.tmp, 'dots.out');
        const c = await curl(['-sS', '--path-as-is', '-o', out, '-w', '%{http_code}', ...curlResolve(ctx, v4), v4]);
        assert.equal(c.stdout, '200', `curl ${key}: ${c.stderr}`);
        assert.equal(sha256(await readFile(out)), sha256(expected), `curl sha256 ${key}`);
      }
    },
  },
  {
    id: 'list-tree',
    title: 'ListObjects / ListObjectsV2 with prefix, delimiter, marker, start-after, max-keys',
    async run(ctx) {
      const tree = ['tree/a.txt', 'tree/b/1.txt', 'tree/b/2.txt', 'tree/c/d/e.txt', 'tree/z.txt', 'tree/za/deep.txt'];
      await mapLimit(tree, 8, (key, i) => putTracked(ctx, key, bytes(10 + i, 200 + i)));

      const v1 = await ctx.client.list({ prefix: 'tree/', delimiter: '/' });
      assert.deepEqual(v1.objects.map((o) => o.name), ['tree/a.txt', 'tree/z.txt']);
      assert.deepEqual(v1.prefixes, ['tree/b/', 'tree/c/', 'tree/za/']);
      assert.equal(v1.isTruncated, false);
      const a = v1.objects[0]!;
      assert.equal(a.size, 10);
      assert.equal(a.etag, md5Etag(ctx.objects.get('tree/a.txt')!));
      assert.equal(a.type, 'Normal');
      assert.equal(a.storageClass, 'Standard');
      assert.ok(!Number.isNaN(Date.parse(a.lastModified)), 'LastModified');
      assert.ok(a.owner?.id, 'Contents/Owner (ali-oss list needs it, wire §4.3)');

      const v2 = await ctx.client.listV2({ prefix: 'tree/', delimiter: '/' });
      assert.deepEqual(v2.objects.map((o) => o.name), ['tree/a.txt', 'tree/z.txt']);
      assert.deepEqual(v2.prefixes, ['tree/b/', 'tree/c/', 'tree/za/']);
      assert.equal(v2.keyCount, 5);

      // Common prefixes count toward max-keys; the marker may be a common prefix.
      const p1 = await ctx.client.list({ prefix: 'tree/', delimiter: '/', 'max-keys': 2 });
      assert.deepEqual([...p1.objects.map((o) => o.name), ...(p1.prefixes ?? [])], ['tree/a.txt', 'tree/b/']);
      assert.equal(p1.isTruncated, true);
      assert.equal(p1.nextMarker, 'tree/b/');
      const p2 = await ctx.client.list({ prefix: 'tree/', delimiter: '/', 'max-keys': 2, marker: p1.nextMarker! });
      assert.deepEqual([...p2.objects.map((o) => o.name), ...(p2.prefixes ?? [])].sort(byUtf8), ['tree/c/', 'tree/z.txt']);
      assert.equal(p2.isTruncated, true);
      const p3 = await ctx.client.list({ prefix: 'tree/', delimiter: '/', 'max-keys': 2, marker: p2.nextMarker! });
      assert.deepEqual([...p3.objects.map((o) => o.name), ...(p3.prefixes ?? [])], ['tree/za/']);
      assert.equal(p3.isTruncated, false);

      const q1 = await ctx.client.listV2({ prefix: 'tree/', delimiter: '/', 'max-keys': 2 });
      assert.equal(q1.keyCount, 2);
      assert.equal(q1.isTruncated, true);
      const q2 = await ctx.client.listV2({
        prefix: 'tree/',
        delimiter: '/',
        'max-keys': 10,
        'continuation-token': q1.nextContinuationToken!,
      });
      assert.deepEqual([...q2.objects.map((o) => o.name), ...(q2.prefixes ?? [])].sort(byUtf8), ['tree/c/', 'tree/z.txt', 'tree/za/']);

      const after = await ctx.client.listV2({ prefix: 'tree/', 'start-after': 'tree/b/2.txt' });
      assert.deepEqual(after.objects.map((o) => o.name), ['tree/c/d/e.txt', 'tree/z.txt', 'tree/za/deep.txt']);
      const marker = await ctx.client.list({ prefix: 'tree/', marker: 'tree/b/1.txt', 'max-keys': 2 });
      assert.deepEqual(marker.objects.map((o) => o.name), ['tree/b/2.txt', 'tree/c/d/e.txt']);
      assert.equal(marker.isTruncated, true);

      // ali-oss signs a caller's empty query value as `prefix=` but its own sub-resources as bare
      // `acl`; both arrive as `k=` (wire §3.2 quirk 1). A compatible server accepts both forms.
      const emptyPrefix = await ctx.client.list({ prefix: '', 'max-keys': 1 });
      assert.equal(emptyPrefix.objects.length, 1);
      const emptyPrefixV2 = await ctx.client.listV2({ prefix: '', delimiter: '/', 'max-keys': 1000 });
      assert.ok(emptyPrefixV2.prefixes?.includes('tree/'), 'ListObjectsV2 prefix= delimiter=/ at the root');
      const none = await ctx.client.list({ prefix: 'tree/nothing-here/' });
      assert.deepEqual(none.objects, []);
      assert.equal(none.prefixes, null);
    },
  },
  {
    id: 'list-paging-2500',
    title: 'ListObjects + ListObjectsV2 paging over 2500 objects (created 32 at a time)',
    async run(ctx) {
      const keys = Array.from({ length: 2500 }, (_, i) => `paging/${String(i).padStart(5, '0')}-${(i * 7919) % 2500}`);
      await mapLimit(keys, 32, async (key, i) => {
        const body = Buffer.from(`${key}:${i}`);
        const r = await ctx.client.put(key, body);
        assert.equal(r.res.status, 200);
        ctx.objects.set(key, body);
      });
      const expected = sortedKeys(ctx, 'paging/');
      assert.equal(expected.length, 2500);

      const v1 = await listAllV1(ctx.client, 'paging/', 1000);
      assert.deepEqual(v1.keys, expected, 'ListObjects marker paging');
      assert.deepEqual(v1.pages.map((p) => [p.count, p.isTruncated]), [[1000, true], [1000, true], [500, false]]);
      assert.equal(v1.pages[0]!.nextMarker, expected[999]);

      const v2 = await listAllV2(ctx.client, 'paging/', 1000);
      assert.deepEqual(v2.keys, expected, 'ListObjectsV2 continuation paging');
      assert.deepEqual(v2.pages.map((p) => [p.count, p.keyCount, p.isTruncated]), [[1000, 1000, true], [1000, 1000, true], [500, 500, false]]);

      const odd = await listAllV2(ctx.client, 'paging/', 333);
      assert.deepEqual(odd.keys, expected, 'ListObjectsV2 max-keys=333');
      assert.equal(odd.pages.length, 8);
      const dflt = await ctx.client.list({ prefix: 'paging/' });
      assert.equal(dflt.objects.length, 100, 'ListObjects default max-keys is 100');
      assert.equal(dflt.isTruncated, true);

      // Sizes and ETags in the listing match what was uploaded.
      const page = await ctx.client.listV2({ prefix: 'paging/', 'max-keys': 50 });
      for (const o of page.objects) {
        const body = ctx.objects.get(o.name)!;
        assert.equal(o.size, body.length, o.name);
        assert.equal(o.etag, md5Etag(body), o.name);
      }
      // Spot-check downloads with sha256.
      for (const key of [expected[0]!, expected[1234]!, expected[2499]!]) await getVerified(ctx, key);
    },
  },
  {
    id: 'bucket-stat',
    title: 'GetBucketStat counts objects and bytes',
    async run(ctx) {
      const r = await ctx.client.getBucketStat(ctx.bucket);
      assert.equal(r.res.status, 200);
      assert.equal(r.stat.ObjectCount, String(ctx.objects.size));
      const storage = [...ctx.objects.values()].reduce((n, b) => n + b.length, 0);
      assert.equal(r.stat.Storage, String(storage));
    },
  },
  {
    id: 'presigned',
    title: 'signatureUrlV4 / signatureUrl: GET (response-* overrides, signed Range), PUT',
    async run(ctx) {
      const key = 'presign/file name+1.txt';
      const body = bytes(20_000, 14);
      await putTracked(ctx, key, body);

      const v4 = await ctx.client.signatureUrlV4('GET', 600, { headers: {} }, key);
      assert.ok(v4.includes('x-oss-signature-version=OSS4-HMAC-SHA256'), v4);
      await downloadVerified(v4, body, 'signatureUrlV4 GET');
      const v1 = ctx.client.signatureUrl(key, { expires: 600 });
      assert.ok(v1.includes('OSSAccessKeyId='), v1);
      await downloadVerified(v1, body, 'signatureUrl GET');

      // response-* overrides are signed sub-resources (wire §2.3).
      const v1r = ctx.client.signatureUrl(key, {
        expires: 600,
        response: { 'content-type': 'text/x-custom', 'content-disposition': 'attachment; filename="x y.txt"' },
      });
      const rr = await rawRequest(v1r);
      assert.equal(rr.status, 200, rr.body.toString().slice(0, 300));
      assert.equal(rr.headers['content-type'], 'text/x-custom');
      assert.equal(rr.headers['content-disposition'], 'attachment; filename="x y.txt"');
      assert.equal(sha256(rr.body), sha256(body));
      const v4r = await ctx.client.signatureUrlV4('GET', 600, { queries: { 'response-content-type': 'text/x-v4' } }, key);
      const r4 = await rawRequest(v4r);
      assert.equal(r4.status, 200, r4.body.toString().slice(0, 300));
      assert.equal(r4.headers['content-type'], 'text/x-v4');

      // additionalHeaders: Range is signed, so the request must carry it (wire §2.3).
      const ranged = await ctx.client.signatureUrlV4('GET', 600, { headers: { range: 'bytes=100-199' } }, key, ['range']);
      assert.ok(ranged.includes('x-oss-additional-headers=range'), ranged);
      const part = await rawRequest(ranged, { headers: { range: 'bytes=100-199' } });
      assert.equal(part.status, 206, part.body.toString().slice(0, 300));
      assert.equal(sha256(part.body), sha256(body.subarray(100, 200)));
      const wrongRange = await rawRequest(ranged, { headers: { range: 'bytes=0-199' } });
      assert.equal(wrongRange.status, 403, 'a signed Range that differs');
      assertNoObjectBytes(wrongRange.body, body, 'signed Range that differs');

      // Presigned PUT with a signed Content-Type.
      const putBody = bytes(5000, 15);
      const putV4 = await ctx.client.signatureUrlV4('PUT', 600, { headers: { 'content-type': 'text/plain' } }, 'presign/put-v4.txt');
      const p4 = await rawRequest(putV4, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: putBody });
      assert.equal(p4.status, 200, p4.body.toString().slice(0, 300));
      ctx.objects.set('presign/put-v4.txt', putBody);
      await getVerified(ctx, 'presign/put-v4.txt');
      const putV1 = ctx.client.signatureUrl('presign/put-v1.txt', { method: 'PUT', expires: 600, 'Content-Type': 'text/plain' });
      const p1 = await rawRequest(putV1, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: putBody });
      assert.equal(p1.status, 200, p1.body.toString().slice(0, 300));
      ctx.objects.set('presign/put-v1.txt', putBody);
      await getVerified(ctx, 'presign/put-v1.txt');
      // The same PUT URL with a different Content-Type does not verify.
      const p1bad = await rawRequest(putV1, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: putBody });
      assert.equal(p1bad.status, 403);
      // A GET URL does not authorise a DELETE.
      const del = await rawRequest(v4, { method: 'DELETE' });
      assert.equal(del.status, 403);
      await getVerified(ctx, key);
    },
  },
  {
    id: 'errors',
    title: 'errors: NoSuchKey, NoSuchBucket, SignatureDoesNotMatch, InvalidAccessKeyId, AccessDenied (code/status/requestId/EC)',
    async run(ctx) {
      const missing = await expectOssError(ctx.client.get('no/such/key.txt'), {
        code: 'NoSuchKey',
        status: 404,
        ec: '0026-00000001',
        message: 'The specified key does not exist.',
      });
      assert.ok(missing.hostId, 'HostId');
      const noBucket = ctx.clientFor(`${ctx.bucket}-nope`);
      await expectOssError(noBucket.get('k.txt'), { code: 'NoSuchBucket', status: 404, ec: '0015-00000101' });
      await expectOssError(noBucket.list({ 'max-keys': 1 }), { code: 'NoSuchBucket', status: 404, ec: '0015-00000101' });
      await expectOssError(noBucket.put('k.txt', Buffer.from('x')), { code: 'NoSuchBucket', status: 404, ec: '0015-00000101' });

      const sigEc = ctx.version === 'v4' ? '0002-00000201' : '0002-00000040';
      const wrongSecret = ctx.clientFor(ctx.bucket, { accessKeySecret: `${ctx.pail.accessKeySecret}x` });
      await expectOssError(wrongSecret.get('plain.txt'), { code: 'SignatureDoesNotMatch', status: 403, ec: sigEc });
      await expectOssError(wrongSecret.put('plain.txt', Buffer.from('overwritten?')), { code: 'SignatureDoesNotMatch', status: 403, ec: sigEc });
      await expectOssError(wrongSecret.listBuckets(), { code: 'SignatureDoesNotMatch', status: 403, ec: sigEc });
      await getVerified(ctx, 'plain.txt');
      // HEAD has no body: the error travels base64-encoded in x-oss-err (wire §4.4).
      await expectOssError(wrongSecret.head('plain.txt'), { code: 'SignatureDoesNotMatch', status: 403, ec: sigEc });
      // A wrong secret must not leak whether a key exists.
      await expectOssError(wrongSecret.get('no/such/key.txt'), { code: 'SignatureDoesNotMatch', status: 403, ec: sigEc });

      const unknownKey = ctx.clientFor(ctx.bucket, { accessKeyId: 'LTAIunknownAccessKey' });
      // V1's EC is documented; a V4 capture saw 0002-00000902 instead (oss-signature.md §4.2).
      await expectOssError(unknownKey.get('plain.txt'), {
        code: 'InvalidAccessKeyId',
        status: 403,
        ec: ctx.version === 'v1' ? '0002-00000003' : /^0002-/,
      });

      const anon = await anonymous(ctx.objectUrl('plain.txt'));
      assert.equal(anon.status, 403);
      assert.equal(xmlField(anon.body, 'Code'), 'AccessDenied');
      assert.match(String(xmlField(anon.body, 'EC')), /^0003-/);
      assert.equal(xmlField(anon.body, 'RequestId'), anon.headers['x-oss-request-id']);
      assert.match(String(anon.headers['x-oss-request-id']), REQUEST_ID);
      assertNoObjectBytes(anon.body, ctx.objects.get('plain.txt')!, 'anonymous GET');
      const anonHead = await anonymous(ctx.objectUrl('plain.txt'), 'HEAD');
      assert.equal(anonHead.status, 403);
      assert.ok(anonHead.headers['x-oss-err'], 'HEAD error carries x-oss-err');
      assert.equal(xmlField(Buffer.from(String(anonHead.headers['x-oss-err']), 'base64'), 'Code'), 'AccessDenied');
      // Anonymous writes to a private bucket are refused and change nothing.
      const anonPut = await rawRequest(ctx.objectUrl('plain.txt'), { method: 'PUT', body: Buffer.from('anon') });
      assert.equal(anonPut.status, 403);
      assert.equal(xmlField(anonPut.body, 'Code'), 'AccessDenied');
      await getVerified(ctx, 'plain.txt');
    },
  },
  {
    id: 'delete-bucket',
    title: 'DeleteBucket: 409 BucketNotEmpty, 404 NoSuchBucket, empty bucket → 204',
    async run(ctx) {
      await expectOssError(ctx.client.deleteBucket(ctx.bucket), { code: 'BucketNotEmpty', status: 409 });
      await expectOssError(ctx.client.deleteBucket(`${ctx.bucket}-nope`), { code: 'NoSuchBucket', status: 404, ec: '0015-00000101' });
      const r = await ctx.client.deleteBucket(ctx.bucket2);
      assert.equal(r.res.status, 204);
      const names = ((await ctx.client.listBuckets()).buckets ?? []).map((b) => b.name);
      assert.ok(!names.includes(ctx.bucket2), 'deleted bucket is gone from ListBuckets');
      await expectOssError(ctx.client.getBucketInfo(ctx.bucket2), { code: 'NoSuchBucket', status: 404, ec: '0015-00000101' });
    },
  },
];

/**
 * Operations that land later (see PENDING_OPERATIONS). Written as the final assertions; while
 * pending they must fail with 501 NotImplemented.
 */
export const LATER_STEPS: readonly PendingStep[] = [
  {
    id: 'copy',
    operation: 'CopyObject',
    title: 'CopyObject (same bucket, nasty source key, metadata REPLACE)',
    async run(ctx) {
      const src = 'plain.txt';
      const r = await ctx.client.copy('copy/dst.txt', src);
      assert.equal(r.res.status, 200);
      assert.equal(r.data?.etag, md5Etag(ctx.objects.get(src)!));
      ctx.objects.set('copy/dst.txt', ctx.objects.get(src)!);
      await getVerified(ctx, 'copy/dst.txt');
      // x-oss-copy-source encodes `/` as %2F (wire §2.2).
      const nasty = 'nasty/中文/文件名.txt';
      await ctx.client.copy('copy/from-nasty.txt', nasty);
      ctx.objects.set('copy/from-nasty.txt', ctx.objects.get(nasty)!);
      await getVerified(ctx, 'copy/from-nasty.txt');
      await ctx.client.copy('copy/replaced.txt', src, { meta: { replaced: 'yes' } });
      ctx.objects.set('copy/replaced.txt', ctx.objects.get(src)!);
      assert.deepEqual((await ctx.client.head('copy/replaced.txt')).meta, { replaced: 'yes' });
      await expectOssError(ctx.client.copy('copy/x.txt', 'no/such/source.txt'), { code: 'NoSuchKey', status: 404 });
      // ali-oss turns `headers: {'If-Match': …}` into x-oss-copy-source-if-match.
      await expectOssError(ctx.client.copy('copy/x.txt', src, { headers: { 'If-Match': '"0123456789ABCDEF0123456789ABCDEF"' } }), {
        code: 'PreconditionFailed',
        status: 412,
      });
      const guarded = await ctx.client.copy('copy/guarded.txt', src, { headers: { 'If-Match': md5Etag(ctx.objects.get(src)!) } });
      assert.equal(guarded.res.status, 200);
      ctx.objects.set('copy/guarded.txt', ctx.objects.get(src)!);
      await getVerified(ctx, 'copy/guarded.txt');
    },
  },
  {
    id: 'multipart',
    operation: 'MultipartUpload',
    title: 'InitiateMultipartUpload / UploadPart / CompleteMultipartUpload (multipartUpload 50 MiB, resumed from a checkpoint), AbortMultipartUpload',
    async run(ctx) {
      const init = await ctx.client.initMultipartUpload('mpu/aborted.bin');
      assert.ok(init.uploadId);
      assert.ok((await ctx.client.listUploads()).uploads.some((u) => u.uploadId === init.uploadId), 'ListMultipartUploads');
      assert.equal((await ctx.client.abortMultipartUpload('mpu/aborted.bin', init.uploadId)).res.status, 204);
      await expectOssError(ctx.client.abortMultipartUpload('mpu/aborted.bin', init.uploadId), { code: 'NoSuchUpload', status: 404 });

      // Explicit parts, uploaded out of order; Complete echoes the raw part ETags (wire §2.2).
      const partSize = 100 * 1024;
      const whole = bytes(2 * partSize + 777, 19);
      const key = 'mpu/explicit 中.bin';
      const up = await ctx.client.initMultipartUpload(key);
      const ranges = [
        [3, 2 * partSize, whole.length],
        [1, 0, partSize],
        [2, partSize, 2 * partSize],
      ] as const;
      const parts: { number: number; etag: string }[] = [];
      for (const [n, start, end] of ranges) {
        const p = await ctx.client.uploadPart(key, up.uploadId, n, whole, start, end);
        assert.equal(p.etag, md5Etag(whole.subarray(start, end)), `part ${n} ETag`);
        parts.push({ number: n, etag: p.etag });
      }
      const listed = await ctx.client.listParts(key, up.uploadId);
      const listedParts = Array.isArray(listed.parts) ? listed.parts : [listed.parts];
      assert.deepEqual(listedParts.map((p) => Number(p.PartNumber)), [1, 2, 3], 'ListParts in part order');
      const done = await ctx.client.completeMultipartUpload(key, up.uploadId, parts);
      assert.equal(done.res.status, 200);
      assert.match(String(done.etag), /^"[0-9A-F]{32}-3"$/);
      ctx.objects.set(key, whole);
      await getVerified(ctx, key);
      await expectOssError(ctx.client.listParts(key, up.uploadId), { code: 'NoSuchUpload', status: 404 });

      // The guide's managed upload: 50 MiB in 5 MiB parts, four in flight at once.
      const body = bytes(50 * 1024 * 1024 + 123, 16);
      const r = await ctx.client.multipartUpload('mpu/big.bin', body, { partSize: 5 * 1024 * 1024, parallel: 4, meta: { m: '1' } });
      assert.equal(r.res.status, 200);
      assert.match(String(r.etag), /^"[0-9A-F]{32}-11"$/);
      ctx.objects.set('mpu/big.bin', body);
      await getVerified(ctx, 'mpu/big.bin');
      const h = await ctx.client.head('mpu/big.bin');
      assert.equal(h.res.headers['x-oss-object-type'], 'Multipart');
      assert.deepEqual(h.meta, { m: '1' });
      // A presigned V4 URL for a multipart object downloads it whole (and CRC-checked).
      await downloadVerified(await ctx.client.signatureUrlV4('GET', 300, { headers: {} }, 'mpu/big.bin'), body, 'signatureUrlV4 multipart');

      // Interrupted and resumed with ali-oss's checkpoint: cancel after three parts, then resume
      // from the saved checkpoint; only the missing parts are sent and the result is whole.
      const resumeKey = 'mpu/resumed.bin';
      const resumeBody = bytes(6 * 1024 * 1024 + 999, 23);
      let saved: MultipartCheckpoint | undefined;
      let partsBeforeCancel = 0;
      await assert.rejects(
        ctx.client.multipartUpload(resumeKey, resumeBody, {
          partSize: 512 * 1024,
          parallel: 1,
          progress: (_p, cpt) => {
            if (!cpt) return;
            saved = { ...cpt, doneParts: [...cpt.doneParts], file: undefined };
            partsBeforeCancel = cpt.doneParts.length;
            if (partsBeforeCancel >= 3) ctx.client.cancel();
          },
        }),
        (err: { name?: string }) => err.name === 'cancel',
      );
      assert.ok(partsBeforeCancel >= 3 && partsBeforeCancel < 13, `cancelled after ${partsBeforeCancel} parts`);
      assert.ok(saved, 'progress reported a checkpoint');
      const cpt: MultipartCheckpoint = { ...saved, file: resumeBody };
      const pending = (await ctx.client.listParts(resumeKey, cpt.uploadId)).parts;
      assert.equal((Array.isArray(pending) ? pending : [pending]).length, partsBeforeCancel, 'ListParts sees the parts sent before the cancel');
      const resumed = await ctx.client.multipartUpload(resumeKey, resumeBody, { checkpoint: cpt, partSize: 512 * 1024 });
      assert.equal(resumed.res.status, 200);
      ctx.objects.set(resumeKey, resumeBody);
      await getVerified(ctx, resumeKey);
    },
  },
  {
    id: 'append',
    operation: 'AppendObject',
    title: 'AppendObject in three steps (position, x-oss-next-append-position)',
    async run(ctx) {
      const a = bytes(1000, 17);
      const b = bytes(2345, 18);
      const r1 = await ctx.client.append('append/log.txt', a);
      assert.equal(r1.nextAppendPosition, String(a.length));
      const r2 = await ctx.client.append('append/log.txt', b, { position: r1.nextAppendPosition });
      assert.equal(r2.nextAppendPosition, String(a.length + b.length));
      const c = bytes(777, 24);
      const r3 = await ctx.client.append('append/log.txt', c, { position: r2.nextAppendPosition });
      assert.equal(r3.nextAppendPosition, String(a.length + b.length + c.length));
      ctx.objects.set('append/log.txt', Buffer.concat([a, b, c]));
      await getVerified(ctx, 'append/log.txt');
      assert.equal((await ctx.client.head('append/log.txt')).res.headers['x-oss-object-type'], 'Appendable');
      await expectOssError(ctx.client.append('append/log.txt', a, { position: 1 }), { code: 'PositionNotEqualToLength', status: 409 });
      await expectOssError(ctx.client.append('plain.txt', a, { position: ctx.objects.get('plain.txt')!.length }), {
        code: 'ObjectNotAppendable',
        status: 409,
      });
      await getVerified(ctx, 'plain.txt');
    },
  },
  {
    id: 'delete-multi',
    operation: 'DeleteMultipleObjects',
    title: "DeleteMultipleObjects (keys with ' and &)",
    async run(ctx) {
      const keys = ['multi/a.txt', "multi/it's.txt", 'multi/b&c.txt'];
      await mapLimit(keys, 3, (k, i) => putTracked(ctx, k, bytes(10, 300 + i)));
      const r = await ctx.client.deleteMulti([...keys, 'multi/missing.txt']);
      assert.equal(r.res.status, 200);
      assert.equal(r.deleted.length, 4);
      for (const k of keys) {
        ctx.objects.delete(k);
        await expectOssError(ctx.client.get(k), { code: 'NoSuchKey', status: 404 });
      }
      // Quiet mode reports nothing on success.
      await mapLimit(keys, 3, (k, i) => putTracked(ctx, k, bytes(10, 310 + i)));
      const quiet = await ctx.client.deleteMulti(keys, { quiet: true });
      assert.deepEqual(quiet.deleted, []);
      for (const k of keys) {
        ctx.objects.delete(k);
        await expectOssError(ctx.client.head(k), { code: 'NoSuchKey', status: 404, ec: null });
      }
    },
  },
  {
    id: 'tagging',
    operation: 'ObjectTagging',
    title: 'PutObjectTagging / GetObjectTagging / DeleteObjectTagging',
    async run(ctx) {
      const key = 'plain.txt';
      assert.equal((await ctx.client.putObjectTagging(key, { team: 'storage', 'a b': 'c=d' })).status, 200);
      assert.deepEqual((await ctx.client.getObjectTagging(key)).tag, { team: 'storage', 'a b': 'c=d' });
      assert.equal((await ctx.client.deleteObjectTagging(key)).status, 204);
      assert.deepEqual((await ctx.client.getObjectTagging(key)).tag, {});
      await getVerified(ctx, key);
    },
  },
  {
    id: 'symlink',
    operation: 'Symlink',
    title: 'PutSymlink / GetSymlink; GetObject follows the link',
    async run(ctx) {
      const target = 'nasty/with space.txt';
      assert.equal((await ctx.client.putSymlink('links/to-space', target)).res.status, 200);
      assert.equal((await ctx.client.getSymlink('links/to-space')).targetName, target);
      const g = await ctx.client.get('links/to-space');
      assert.equal(sha256(g.content), sha256(ctx.objects.get(target)!));
      ctx.objects.set('links/to-space', Buffer.alloc(0));
      const nasty = 'nasty/question?mark=1&x=y.txt';
      await ctx.client.putSymlink('links/to-nasty', nasty);
      assert.equal((await ctx.client.getSymlink('links/to-nasty')).targetName, nasty);
      assert.equal(sha256((await ctx.client.get('links/to-nasty')).content), sha256(ctx.objects.get(nasty)!));
      ctx.objects.set('links/to-nasty', Buffer.alloc(0));
    },
  },
];

function hasDotSegment(key: string): boolean {
  return key.split('/').some((segment) => segment === '.' || segment === '..');
}

/** Empties and deletes the main bucket (last step: DeleteObject for every key, then DeleteBucket). */
const CLEANUP: Step = {
  id: 'cleanup',
  title: 'DeleteObject every key (32 at a time), then DeleteBucket of the emptied bucket → 204',
  async run(ctx) {
    let remaining: string[] = [];
    for (;;) {
      const page = await ctx.client.listV2({ 'max-keys': 1000 });
      if (page.objects.length === 0) break;
      remaining = page.objects.map((o) => o.name);
      await mapLimit(remaining, 32, async (k) => {
        if (hasDotSegment(k)) {
          // ali-oss would resolve the segments (DOT_SEGMENT_KEYS); a presigned DELETE keeps them.
          const r = await rawRequest(await ctx.client.signatureUrlV4('DELETE', 300, { headers: {} }, k), { method: 'DELETE' });
          assert.equal(r.status, 204, `presigned DELETE ${k}: ${r.body.toString().slice(0, 300)}`);
        } else {
          assert.equal((await ctx.client.delete(k)).res.status, 204);
        }
        ctx.objects.delete(k);
      });
    }
    assert.equal(ctx.objects.size, 0, `tracked but never listed: ${[...ctx.objects.keys()].slice(0, 5).join(', ')}`);
    const r = await ctx.client.deleteBucket(ctx.bucket);
    assert.equal(r.res.status, 204);
    // When a subset ran without the delete-bucket step, the second bucket is still there.
    await ctx.client.deleteBucket(ctx.bucket2).catch((e: OssError) => assert.equal(e.code, 'NoSuchBucket'));
  },
};

/**
 * Asserts that a pending step currently fails with 501 NotImplemented. Once the operation
 * works the step passes its own assertions, and this fails with instructions.
 */
async function runPending(step: PendingStep, ctx: WorkflowContext): Promise<void> {
  let err: OssError | undefined;
  try {
    await step.run(ctx);
  } catch (e) {
    err = e as OssError;
  }
  assert.ok(
    err,
    `${step.operation} now works end to end: remove '${step.operation}' from PENDING_OPERATIONS in test/conformance/workflow.ts`,
  );
  if (err.status === 501 && err.code === 'NotImplemented') return;
  assert.fail(
    `${step.operation} is pending, so it must fail with 501 NotImplemented; got ` +
      `status=${err.status} code=${err.code}: ${err.message.split('\n')[0]}`,
  );
}

export interface WorkflowOptions {
  readonly addressing?: Addressing;
  /** Run only these step ids (in workflow order). Cleanup always runs. */
  readonly only?: readonly string[];
}

function curlResolve(ctx: WorkflowContext, url: string): string[] {
  if (ctx.addressing !== 'virtual-hosted') return [];
  // `<bucket>.localhost` does not resolve everywhere (wire §1.2); pin it for curl.
  const host = url.slice('http://'.length).split('/')[0]!;
  return ['--resolve', `${host}:127.0.0.1`];
}

/**
 * Registers the workflow as a node:test `describe` block: one Pail, one ali-oss client, every
 * step a test, in order.
 */
export function describeWorkflow(version: SignatureVersion, options: WorkflowOptions = {}): void {
  const addressing = options.addressing ?? 'path';
  const pick = <T extends Step>(steps: readonly T[]) =>
    options.only ? steps.filter((s) => options.only!.includes(s.id)) : steps;
  const label = `ali-oss ${version.toUpperCase()} (${addressing === 'path' ? 'path-style, sldEnable' : 'virtual-hosted, bucket.localhost'})`;

  describe(label, () => {
    let ctx: WorkflowContext | undefined;
    let pail: PailUnderTest | undefined;
    let tmp: string | undefined;

    before(async () => {
      pail = await startPail();
      tmp = await mkdtemp(join(tmpdir(), 'pail-conformance-out-'));
      const suffix = randomBytes(3).toString('hex');
      const bucket = `conf-${version}-${addressing === 'path' ? 'p' : 'vh'}-${suffix}`;
      const base: Partial<OssOptions> = addressing === 'path' ? {} : { sldEnable: false, agent: loopbackAgent() };
      const p = pail;
      const clientFor = (b: string, overrides: Partial<OssOptions> = {}) =>
        aliOss(p, version, { ...base, bucket: b, ...overrides });
      const hostFor = (b: string) => (addressing === 'path' ? `localhost:${p.port}/${b}` : `${b}.localhost:${p.port}`);
      ctx = {
        version,
        addressing,
        pail: p,
        bucket,
        bucket2: `${bucket}-2`,
        client: clientFor(bucket),
        clientFor,
        objects: new Map(),
        objectUrl: (key) => `http://${hostFor(bucket)}/${escapeKey(key)}`,
        bucketUrl: () => `http://${hostFor(bucket)}/`,
        tmp,
      };
    });

    after(async () => {
      await pail?.close();
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    const need = () => {
      assert.ok(ctx, 'Pail did not start');
      return ctx;
    };
    for (const step of pick(STEPS)) {
      it(step.title, { timeout: 120_000 }, () => step.run(need()));
    }
    for (const step of pick(LATER_STEPS)) {
      if (PENDING_OPERATIONS.has(step.operation)) {
        it(`[pending: must answer 501 NotImplemented] ${step.title}`, { timeout: 120_000 }, () => runPending(step, need()));
      } else {
        it(step.title, { timeout: 120_000 }, () => step.run(need()));
      }
    }
    it(CLEANUP.title, { timeout: 120_000 }, () => CLEANUP.run(need()));
    it('the server log of the whole workflow (debug level) carries no secret and no signature', () => {
      assertNoSecretsInLogs(need().pail);
    });
  });
}
