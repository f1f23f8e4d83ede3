/**
 * The rest of the object API through the core (issue 4): multipart uploads, UploadPartCopy,
 * CopyObject, AppendObject, DeleteMultipleObjects, object tagging, symlinks. PostObject has its
 * own file (post-object.test.ts).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { resolveServerConfig } from '../src/config.js';
import { crc64 } from '../src/storage/crc64.js';
import { createHarness, type Harness, type Reply, unescapeXml, xml, xmlAll } from './helpers.js';

let h: Harness;
const KiB = 1024;
const PART = 100 * KiB; // the smallest part OSS accepts before the last

function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  return b;
}

const md5Hex = (b: Buffer): string => createHash('md5').update(b).digest('hex').toUpperCase();
const md5B64 = (b: Buffer): string => createHash('md5').update(b).digest('base64');

function errorOf(res: Reply): { code: string | undefined; text: string } {
  const text = res.body.length > 0 ? res.body.toString() : Buffer.from(res.headers['x-oss-err'] ?? '', 'base64').toString();
  return { code: xml(text, 'Code'), text };
}

async function ok(r: Promise<Reply> | Reply, status = 200): Promise<Reply> {
  const res = await r;
  assert.equal(res.status, status, `${res.status} ${errorOf(res).text}`);
  return res;
}

async function fails(r: Promise<Reply> | Reply, status: number, code: string): Promise<Reply> {
  const res = await r;
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status} ${errorOf(res).text}`);
  assert.equal(errorOf(res).code, code);
  return res;
}

const B = 'bkt';
const get = (key: string, headers: Record<string, string> = {}, bucket = B) => h.send('GET', { bucket, key, headers });
const put = (key: string, body: Buffer, headers: Record<string, string> = {}, bucket = B) => h.send('PUT', { bucket, key, body, headers });

async function blobCount(): Promise<number> {
  let n = 0;
  for await (const _ of h.storage.blobs.list()) n++;
  return n;
}

async function initiate(key: string, headers: Record<string, string> = {}, bucket = B): Promise<string> {
  const r = await ok(h.send('POST', { bucket, key, query: { uploads: null }, headers }));
  const id = xml(r.body, 'UploadId');
  assert.ok(id);
  return id;
}

function uploadPart(key: string, uploadId: string, partNumber: number, body: Buffer, bucket = B): Promise<Reply> {
  return h.send('PUT', { bucket, key, query: { partNumber, uploadId }, body });
}

function completeXml(parts: readonly (readonly [number, string])[]): Buffer {
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload>${parts
      .map(([n, etag]) => `<Part><PartNumber>${n}</PartNumber><ETag>${etag}</ETag></Part>`)
      .join('')}</CompleteMultipartUpload>`,
  );
}

function complete(key: string, uploadId: string, body: Buffer, headers: Record<string, string> = {}, query: Record<string, string> = {}): Promise<Reply> {
  return h.send('POST', { bucket: B, key, query: { uploadId, ...query }, body, headers: { 'content-type': 'application/xml', ...headers } });
}

before(async () => {
  h = await createHarness();
  await ok(h.send('PUT', { bucket: B }));
  await ok(h.send('PUT', { bucket: 'other' }));
  await ok(h.send('PUT', { bucket: 'pub', headers: { 'x-oss-acl': 'public-read-write' } }));
});
after(() => h.close());

describe('multipart upload', () => {
  const p1 = bytes(PART, 1);
  const p2 = bytes(PART, 2);
  const p3 = bytes(1000, 3);
  const whole = Buffer.concat([p1, p2, p3]);

  it('initiates, uploads (a re-upload replaces), lists parts in pages, completes into one object', async () => {
    const key = 'mp/video 1.bin';
    const uploadId = await initiate(key, { 'content-type': 'video/mp4', 'x-oss-meta-who': 'me' });
    const r1 = await ok(uploadPart(key, uploadId, 1, p1));
    assert.equal(r1.headers.etag, `"${md5Hex(p1)}"`);
    assert.equal(r1.headers['x-oss-hash-crc64ecma'], crc64(p1).toString());
    await ok(uploadPart(key, uploadId, 2, bytes(PART, 9)));
    const r2 = await ok(uploadPart(key, uploadId, 2, p2));
    assert.equal(r2.headers.etag, `"${md5Hex(p2)}"`);
    await ok(uploadPart(key, uploadId, 3, p3));

    const page1 = await ok(h.send('GET', { bucket: B, key, query: { uploadId, 'max-parts': 2 } }));
    assert.deepEqual(xmlAll(page1.body, 'PartNumber'), ['1', '2']);
    assert.equal(xml(page1.body, 'IsTruncated'), 'true');
    assert.equal(xml(page1.body, 'NextPartNumberMarker'), '2');
    assert.deepEqual(xmlAll(page1.body, 'ETag'), [`"${md5Hex(p1)}"`, `"${md5Hex(p2)}"`].map((e) => e.replaceAll('"', '&quot;')));
    assert.deepEqual(xmlAll(page1.body, 'HashCrc64ecma'), [crc64(p1).toString(), crc64(p2).toString()]);
    const page2 = await ok(h.send('GET', { bucket: B, key, query: { uploadId, 'max-parts': 2, 'part-number-marker': 2 } }));
    assert.deepEqual(xmlAll(page2.body, 'PartNumber'), ['3']);
    assert.deepEqual(xmlAll(page2.body, 'Size'), ['1000']);
    assert.equal(xml(page2.body, 'IsTruncated'), 'false');

    const done = await ok(complete(key, uploadId, completeXml([[1, `"${md5Hex(p1)}"`], [2, md5Hex(p2).toLowerCase()], [3, `"${md5Hex(p3)}"`]])));
    const etag = `${createHash('md5')
      .update(Buffer.concat([p1, p2, p3].map((p) => createHash('md5').update(p).digest())))
      .digest('hex')
      .toUpperCase()}-3`;
    assert.equal(unescapeXml(xml(done.body, 'ETag')!), `"${etag}"`);
    assert.equal(xml(done.body, 'Key'), key);
    assert.equal(xml(done.body, 'Bucket'), B);
    assert.equal(xml(done.body, 'Location'), `http://localhost:9000/${B}/mp/video%201.bin`);
    assert.equal(done.headers['x-oss-hash-crc64ecma'], crc64(whole).toString(), 'the combined CRC is the CRC of the whole bytes');

    const got = await ok(get(key));
    assert.deepEqual(got.body, whole);
    assert.equal(got.headers.etag, `"${etag}"`);
    assert.equal(got.headers['x-oss-object-type'], 'Multipart');
    assert.equal(got.headers['content-type'], 'video/mp4');
    assert.equal(got.headers['x-oss-meta-who'], 'me');
    assert.equal(got.headers['x-oss-hash-crc64ecma'], crc64(whole).toString());
    // Ranges across the part boundaries.
    for (const [start, end] of [
      [PART - 10, PART + 10],
      [PART - 1, 2 * PART],
      [0, whole.length - 1],
      [2 * PART - 5, whole.length - 1],
    ] as const) {
      const r = await ok(get(key, { range: `bytes=${start}-${end}` }), 206);
      assert.deepEqual(r.body, whole.subarray(start, end + 1), `${start}-${end}`);
    }
    // The upload is gone.
    await fails(h.send('GET', { bucket: B, key, query: { uploadId } }), 404, 'NoSuchUpload');
    await fails(uploadPart(key, uploadId, 4, p3), 404, 'NoSuchUpload');
  });

  it('refuses bad part lists (EntityTooSmall, InvalidPart, InvalidPartOrder, MalformedXML) and keeps the upload', async () => {
    const key = 'mp/errors';
    const uploadId = await initiate(key);
    const small = bytes(10 * KiB, 4);
    await ok(uploadPart(key, uploadId, 1, small));
    await ok(uploadPart(key, uploadId, 2, p2));
    await fails(complete(key, uploadId, completeXml([[1, md5Hex(small)], [2, md5Hex(p2)]])), 400, 'EntityTooSmall');
    await fails(complete(key, uploadId, completeXml([[2, md5Hex(p1)]])), 400, 'InvalidPart');
    await fails(complete(key, uploadId, completeXml([[7, md5Hex(p2)]])), 400, 'InvalidPart');
    await fails(complete(key, uploadId, completeXml([[2, md5Hex(p2)], [1, md5Hex(small)]])), 400, 'InvalidPartOrder');
    await fails(complete(key, uploadId, Buffer.from('<CompleteMultipartUpload><Part><PartNumber>x</PartNumber></Part>')), 400, 'MalformedXML');
    await fails(complete(key, uploadId, Buffer.from('<CompleteMultipartUpload></CompleteMultipartUpload>')), 400, 'MalformedXML');
    await fails(
      complete(key, uploadId, Buffer.from('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><CompleteMultipartUpload>&a;</CompleteMultipartUpload>')),
      400,
      'MalformedXML',
    );
    await fails(complete(key, 'NOSUCHUPLOAD', completeXml([[2, md5Hex(p2)]])), 404, 'NoSuchUpload');
    await fails(complete(key, uploadId, completeXml([[2, md5Hex(p2)]]), { 'content-md5': md5B64(Buffer.from('other')) }), 400, 'InvalidDigest');
    // Still there: the last part alone may be small.
    await ok(complete(key, uploadId, completeXml([[2, md5Hex(p2)]])));
    assert.deepEqual((await ok(get(key))).body, p2);
  });

  it('completes with x-oss-complete-all: yes (every uploaded part, empty body), honouring forbid-overwrite and the ACL', async () => {
    const key = 'mp/all';
    await ok(put(key, Buffer.from('existing')));
    const uploadId = await initiate(key);
    await ok(uploadPart(key, uploadId, 2, p2));
    await ok(uploadPart(key, uploadId, 1, p1));
    await fails(complete(key, uploadId, Buffer.alloc(0), { 'x-oss-complete-all': 'yes', 'x-oss-forbid-overwrite': 'true' }), 409, 'FileAlreadyExists');
    await fails(complete(key, uploadId, completeXml([[1, md5Hex(p1)]]), { 'x-oss-complete-all': 'yes' }), 400, 'InvalidArgument');
    const r = await ok(complete(key, uploadId, Buffer.alloc(0), { 'x-oss-complete-all': 'yes', 'x-oss-object-acl': 'public-read' }));
    assert.match(unescapeXml(xml(r.body, 'ETag')!), /^"[0-9A-F]{32}-2"$/);
    assert.deepEqual((await ok(get(key))).body, Buffer.concat([p1, p2]));
    assert.equal((await h.storage.metadata.getObject(B, key))?.acl, 'public-read');
  });

  it('aborts (204, then NoSuchUpload); lists uploads with prefix, markers and encoding-type=url', async () => {
    // Upload ids sort by initiation time (then at random within a millisecond).
    const a = await initiate('list/a b');
    h.clock.advance(1);
    const b1 = await initiate('list/b');
    h.clock.advance(1);
    const b2 = await initiate('list/b');
    await initiate('zzz/other');
    const all = await ok(h.send('GET', { bucket: B, query: { uploads: null, prefix: 'list/', 'encoding-type': 'url' } }));
    assert.deepEqual(xmlAll(all.body, 'Key'), ['list%2Fa%20b', 'list%2Fb', 'list%2Fb']);
    assert.deepEqual(xmlAll(all.body, 'UploadId'), [a, b1, b2]);
    assert.equal(xml(all.body, 'EncodingType'), 'url');
    assert.equal(xml(all.body, 'Prefix'), 'list%2F');
    const paged = await ok(h.send('GET', { bucket: B, query: { uploads: null, prefix: 'list/', 'max-uploads': 2 } }));
    assert.equal(xml(paged.body, 'IsTruncated'), 'true');
    assert.equal(xml(paged.body, 'NextKeyMarker'), 'list/b');
    assert.equal(xml(paged.body, 'NextUploadIdMarker'), b1);
    const rest = await ok(h.send('GET', { bucket: B, query: { uploads: null, prefix: 'list/', 'key-marker': 'list/b', 'upload-id-marker': b1 } }));
    assert.deepEqual(xmlAll(rest.body, 'UploadId'), [b2]);
    const rolled = await ok(h.send('GET', { bucket: B, query: { uploads: null, delimiter: '/', prefix: '' } }));
    assert.ok(xmlAll(rolled.body, 'Prefix').includes('list/'));

    await ok(h.send('DELETE', { bucket: B, key: 'list/a b', query: { uploadId: a } }), 204);
    await fails(h.send('DELETE', { bucket: B, key: 'list/a b', query: { uploadId: a } }), 404, 'NoSuchUpload');
    await fails(h.send('GET', { bucket: B, key: 'list/a b', query: { uploadId: a } }), 404, 'NoSuchUpload');
    // An upload id presented under another key is unknown.
    await fails(h.send('GET', { bucket: B, key: 'list/a b', query: { uploadId: b1 } }), 404, 'NoSuchUpload');
  });

  it('checks part numbers and encodes the key of InitiateMultipartUpload with encoding-type=url', async () => {
    const key = 'mp/numbers';
    const uploadId = await initiate(key);
    for (const n of ['0', '10001', 'x', '-1']) {
      await fails(h.send('PUT', { bucket: B, key, query: { partNumber: n, uploadId }, body: Buffer.from('x') }), 400, 'InvalidArgument');
    }
    await ok(uploadPart(key, uploadId, 10_000, Buffer.from('last')));
    const r = await ok(h.send('POST', { bucket: B, key: 'a b/c', query: { uploads: null, 'encoding-type': 'url' } }));
    assert.equal(xml(r.body, 'Key'), 'a%20b%2Fc');
  });

  it('refuses DeleteBucket (409 BucketNotEmpty) while an upload is in progress', async () => {
    await ok(h.send('PUT', { bucket: 'mpbucket' }));
    const uploadId = await initiate('k', {}, 'mpbucket');
    await fails(h.send('DELETE', { bucket: 'mpbucket' }), 409, 'BucketNotEmpty');
    await ok(h.send('DELETE', { bucket: 'mpbucket', key: 'k', query: { uploadId } }), 204);
    await ok(h.send('DELETE', { bucket: 'mpbucket' }), 204);
  });

  it('UploadPartCopy copies a range of another object as a part, without new blobs', async () => {
    const src = bytes(3 * PART, 5);
    await ok(put('copy/src', src));
    const key = 'copy/assembled';
    const uploadId = await initiate(key);
    const before = await blobCount();
    const part = (n: number, headers: Record<string, string>) =>
      h.send('PUT', { bucket: B, key, query: { partNumber: n, uploadId }, headers: { 'x-oss-copy-source': `/${B}/copy%2Fsrc`, ...headers } });
    const r1 = await ok(part(1, { 'x-oss-copy-source-range': `bytes=${PART}-${2 * PART - 1}` }));
    assert.equal(unescapeXml(xml(r1.body, 'ETag')!), `"${md5Hex(src.subarray(PART, 2 * PART))}"`);
    assert.ok(xml(r1.body, 'LastModified'));
    await ok(part(2, { 'x-oss-copy-source-range': `bytes=0-${PART - 1}` }));
    // The last byte past the end means "to the end".
    await ok(part(3, { 'x-oss-copy-source-range': `bytes=${3 * PART - 10}-${10 * PART}` }));
    assert.equal(await blobCount(), before, 'UploadPartCopy writes no blob');
    await fails(part(4, { 'x-oss-copy-source-range': `bytes=${3 * PART}-${3 * PART + 5}` }), 416, 'InvalidRange');
    await fails(part(4, { 'x-oss-copy-source-range': 'bytes=5-1' }), 400, 'InvalidArgument');
    await fails(part(4, { 'x-oss-copy-source-if-match': '"0123"' }), 412, 'PreconditionFailed');
    const notModified = await part(4, { 'x-oss-copy-source-if-none-match': `"${md5Hex(src)}"` });
    assert.equal(notModified.status, 304);
    await fails(
      h.send('PUT', { bucket: B, key, query: { partNumber: 4, uploadId }, headers: { 'x-oss-copy-source': `/${B}/copy/missing` } }),
      404,
      'NoSuchKey',
    );
    await ok(complete(key, uploadId, Buffer.alloc(0), { 'x-oss-complete-all': 'yes' }));
    const expected = Buffer.concat([src.subarray(PART, 2 * PART), src.subarray(0, PART), src.subarray(3 * PART - 10)]);
    const got = await ok(get(key));
    assert.deepEqual(got.body, expected);
    assert.equal(got.headers['x-oss-hash-crc64ecma'], crc64(expected).toString());
  });
});

describe('CopyObject', () => {
  const data = bytes(5000, 7);

  before(async () => {
    await ok(put('src/obj.txt', data, { 'content-type': 'text/plain', 'x-oss-meta-a': '1', 'x-oss-tagging': 't=1' }));
  });

  const copy = (key: string, headers: Record<string, string>, bucket = B) => h.send('PUT', { bucket, key, headers: { 'x-oss-copy-source': `/${B}/src/obj.txt`, ...headers } });

  it('copies within a bucket sharing the blob: CopyObjectResult, same ETag and CRC, no new blob file', async () => {
    const before = await blobCount();
    const r = await ok(copy('dst/copy.txt', {}));
    assert.equal(unescapeXml(xml(r.body, 'ETag')!), `"${md5Hex(data)}"`);
    assert.ok(xml(r.body, 'LastModified'));
    assert.equal(await blobCount(), before, 'no byte was copied');
    const got = await ok(get('dst/copy.txt'));
    assert.deepEqual(got.body, data);
    assert.equal(got.headers['content-type'], 'text/plain');
    assert.equal(got.headers['x-oss-meta-a'], '1');
    assert.equal(got.headers['x-oss-hash-crc64ecma'], crc64(data).toString());
    const [a, b] = await Promise.all([h.storage.metadata.getObject(B, 'src/obj.txt'), h.storage.metadata.getObject(B, 'dst/copy.txt')]);
    assert.deepEqual(b?.segments, a?.segments);
    assert.deepEqual(b?.tags, { t: '1' });
    // Deleting the source leaves the copy intact.
    await ok(put('src/tmp', data));
    await ok(h.send('PUT', { bucket: B, key: 'dst/tmp', headers: { 'x-oss-copy-source': `/${B}/src/tmp` } }));
    await ok(h.send('DELETE', { bucket: B, key: 'src/tmp' }), 204);
    await h.storage.drain();
    assert.deepEqual((await ok(get('dst/tmp'))).body, data);
  });

  it('copies across buckets; REPLACE takes the request metadata, COPY keeps the source metadata', async () => {
    await ok(copy('x.bin', {}, 'other'));
    assert.deepEqual((await ok(get('x.bin', {}, 'other'))).body, data);
    await ok(copy('replaced', { 'x-oss-metadata-directive': 'REPLACE', 'content-type': 'image/png', 'x-oss-meta-b': '2', 'x-oss-tagging-directive': 'Replace', 'x-oss-tagging': 'n=2' }));
    const got = await ok(get('replaced'));
    assert.equal(got.headers['content-type'], 'image/png');
    assert.equal(got.headers['x-oss-meta-b'], '2');
    assert.equal(got.headers['x-oss-meta-a'], undefined);
    assert.deepEqual((await h.storage.metadata.getObject(B, 'replaced'))?.tags, { n: '2' });
    await fails(copy('bad', { 'x-oss-metadata-directive': 'MOVE' }), 400, 'InvalidArgument');
  });

  it('honours x-oss-forbid-overwrite and the copy-source-if-* conditions (412 / 304)', async () => {
    await ok(put('dst/exists', Buffer.from('keep me')));
    await fails(copy('dst/exists', { 'x-oss-forbid-overwrite': 'true' }), 409, 'FileAlreadyExists');
    assert.equal((await ok(get('dst/exists'))).body.toString(), 'keep me');
    const etag = `"${md5Hex(data)}"`;
    await ok(copy('cond/1', { 'x-oss-copy-source-if-match': etag }));
    await fails(copy('cond/2', { 'x-oss-copy-source-if-match': '"FFFF"' }), 412, 'PreconditionFailed');
    const nm = await copy('cond/3', { 'x-oss-copy-source-if-none-match': etag });
    assert.equal(nm.status, 304);
    const later = new Date(h.clock.now() + 3_600_000).toUTCString();
    const earlier = new Date(h.clock.now() - 86_400_000).toUTCString();
    assert.equal((await copy('cond/4', { 'x-oss-copy-source-if-modified-since': new Date(h.clock.now()).toUTCString() })).status, 304);
    await fails(copy('cond/5', { 'x-oss-copy-source-if-unmodified-since': earlier }), 412, 'PreconditionFailed');
    await ok(copy('cond/6', { 'x-oss-copy-source-if-unmodified-since': later }));
    assert.equal(await h.storage.metadata.getObject(B, 'cond/3'), undefined);
  });

  it('reports the missing source (404 NoSuchKey), refuses appendable sources and malformed copy sources', async () => {
    const missing = await fails(h.send('PUT', { bucket: B, key: 'd', headers: { 'x-oss-copy-source': `/${B}/nope` } }), 404, 'NoSuchKey');
    assert.equal(xml(missing.body, 'Key'), 'nope');
    await fails(h.send('PUT', { bucket: B, key: 'd', headers: { 'x-oss-copy-source': '/nosuchbucket/k' } }), 404, 'NoSuchBucket');
    await ok(h.send('POST', { bucket: B, key: 'log/app', query: { append: null, position: 0 }, body: Buffer.from('line\n') }));
    await fails(h.send('PUT', { bucket: B, key: 'd', headers: { 'x-oss-copy-source': `/${B}/log/app` } }), 400, 'InvalidArgument');
    await fails(h.send('PUT', { bucket: B, key: 'd', headers: { 'x-oss-copy-source': 'no-slash' } }), 400, 'InvalidArgument');
  });

  it('needs read on the source and write on the destination', async () => {
    await ok(put('pubsrc', Buffer.from('public'), {}, 'pub'));
    // Anonymous: the public-read-write destination allows the write, the private source denies the read.
    const denied = await h.raw({ method: 'PUT', target: '/pub/stolen', headers: { 'x-oss-copy-source': `/${B}/src/obj.txt` } });
    assert.equal(denied.status, 403);
    assert.equal(await h.storage.metadata.getObject('pub', 'stolen'), undefined);
    // Both public: allowed.
    await ok(h.raw({ method: 'PUT', target: '/pub/copied', headers: { 'x-oss-copy-source': '/pub/pubsrc' } }));
  });
});

describe('AppendObject', () => {
  const append = (key: string, position: number | string, body: Buffer, headers: Record<string, string> = {}) =>
    h.send('POST', { bucket: B, key, query: { append: null, position }, body, headers });

  it('creates at 0 and appends at the length: next position, chained CRC-64, Appendable type', async () => {
    const a = Buffer.from('hello ');
    const b = Buffer.from('appendable world');
    const r1 = await ok(append('ap/log.txt', 0, a, { 'content-type': 'text/plain', 'x-oss-meta-m': 'v' }));
    assert.equal(r1.headers['x-oss-next-append-position'], String(a.length));
    assert.equal(r1.headers['x-oss-hash-crc64ecma'], crc64(a).toString());
    const r2 = await ok(append('ap/log.txt', a.length, b));
    assert.equal(r2.headers['x-oss-next-append-position'], String(a.length + b.length));
    assert.equal(r2.headers['x-oss-hash-crc64ecma'], crc64(Buffer.concat([a, b])).toString());
    const head = await ok(h.send('HEAD', { bucket: B, key: 'ap/log.txt' }));
    assert.equal(head.headers['x-oss-object-type'], 'Appendable');
    assert.equal(head.headers['x-oss-next-append-position'], String(a.length + b.length));
    assert.equal(head.headers['content-type'], 'text/plain');
    assert.equal(head.headers['x-oss-meta-m'], 'v');
    assert.equal(head.headers['x-oss-hash-crc64ecma'], crc64(Buffer.concat([a, b])).toString());
    assert.deepEqual((await ok(get('ap/log.txt'))).body, Buffer.concat([a, b]));
  });

  it('409 PositionNotEqualToLength (with the next position) and ObjectNotAppendable; 400 without a position', async () => {
    await ok(append('ap/pos', 0, Buffer.from('abc')));
    const wrong = await fails(append('ap/pos', 1, Buffer.from('x')), 409, 'PositionNotEqualToLength');
    assert.equal(wrong.headers['x-oss-next-append-position'], '3');
    await fails(append('ap/new', 5, Buffer.from('x')), 409, 'PositionNotEqualToLength');
    await ok(put('ap/normal', Buffer.from('normal')));
    await fails(append('ap/normal', 6, Buffer.from('x')), 409, 'ObjectNotAppendable');
    await fails(h.send('POST', { bucket: B, key: 'ap/pos', query: { append: null }, body: Buffer.from('x') }), 400, 'MissingArgument');
    await fails(append('ap/pos', 'abc', Buffer.from('x')), 400, 'InvalidArgument');
    assert.deepEqual((await ok(get('ap/pos'))).body, Buffer.from('abc'));
  });

  it('caps an appendable object at 5 GB before reading the body', async () => {
    const { target, headers } = h.sign('POST', { bucket: B, key: 'ap/huge', query: { append: null, position: 0 } });
    const r = await h.raw({ method: 'POST', target, headers: { ...headers, 'content-length': String(5 * 1024 ** 3 + 1) } });
    assert.equal(r.status, 400);
    assert.equal(errorOf(r).code, 'EntityTooLarge');
  });
});

describe('DeleteMultipleObjects', () => {
  function deleteXml(keys: readonly string[], quiet = false): Buffer {
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
    return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><Delete><Quiet>${quiet}</Quiet>${keys.map((k) => `<Object><Key>${esc(k)}</Key></Object>`).join('')}</Delete>`);
  }
  const del = (body: Buffer, query: Record<string, string | null> = {}, headers: Record<string, string> = { 'content-md5': md5B64(body) }) =>
    h.send('POST', { bucket: B, query: { delete: null, ...query }, body, headers: { 'content-type': 'application/xml', ...headers } });

  it('deletes the keys and reports each (missing keys count as deleted); quiet mode reports none', async () => {
    for (const k of ['dm/a', 'dm/b & c', 'dm/d']) await ok(put(k, Buffer.from(k)));
    const r = await ok(del(deleteXml(['dm/a', 'dm/b & c', 'dm/missing'])));
    assert.deepEqual(xmlAll(r.body, 'Key').map(unescapeXml), ['dm/a', 'dm/b & c', 'dm/missing']);
    assert.equal(await h.storage.metadata.getObject(B, 'dm/a'), undefined);
    assert.equal(await h.storage.metadata.getObject(B, 'dm/b & c'), undefined);
    const quiet = await ok(del(deleteXml(['dm/d'], true)));
    assert.deepEqual(xmlAll(quiet.body, 'Deleted'), []);
    assert.match(quiet.body.toString(), /<DeleteResult>/);
    assert.equal(await h.storage.metadata.getObject(B, 'dm/d'), undefined);
  });

  it('URL-encodes the keys in the response with encoding-type=url', async () => {
    await ok(put('dm/e f', Buffer.from('x')));
    const r = await ok(del(deleteXml(['dm/e f']), { 'encoding-type': 'url' }));
    assert.deepEqual(xmlAll(r.body, 'Key'), ['dm%2Fe%20f']);
    assert.equal(xml(r.body, 'EncodingType'), 'url');
  });

  it('requires Content-MD5 (MissingArgument) that matches (InvalidDigest); 1001 keys or bad XML are MalformedXML', async () => {
    await ok(put('dm/kept', Buffer.from('x')));
    const body = deleteXml(['dm/kept']);
    await fails(del(body, {}, {}), 400, 'MissingArgument');
    await fails(del(body, {}, { 'content-md5': md5B64(Buffer.from('x')) }), 400, 'InvalidDigest');
    await fails(del(deleteXml(Array.from({ length: 1001 }, (_, i) => `dm/${i}`))), 400, 'MalformedXML');
    await fails(del(Buffer.from('<Delete><Quiet>false</Quiet></Delete>')), 400, 'MalformedXML');
    await fails(del(Buffer.from('<Delete><Object><VersionId>null</VersionId></Object></Delete>')), 400, 'MalformedXML');
    await fails(del(Buffer.from('<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&x;</Key></Object></Delete>')), 400, 'MalformedXML');
    await fails(del(Buffer.from('<Remove><Object><Key>dm/kept</Key></Object></Remove>')), 400, 'MalformedXML');
    assert.ok(await h.storage.metadata.getObject(B, 'dm/kept'));
    // 1000 keys are fine.
    await ok(del(deleteXml(Array.from({ length: 1000 }, (_, i) => `dm/${i}`), true)));
  });

  it('authorizes every key: one denied key refuses the whole request', async () => {
    await ok(put('open', Buffer.from('o'), {}, 'pub'));
    await ok(put('locked', Buffer.from('l'), { 'x-oss-object-acl': 'private' }, 'pub'));
    const body = deleteXml(['open', 'locked']);
    const anon = (b: Buffer) =>
      h.raw({ method: 'POST', target: '/pub/?delete', headers: { 'content-md5': md5B64(b), 'content-type': 'application/xml' }, body: b });
    const denied = await anon(body);
    assert.equal(denied.status, 403);
    assert.equal(errorOf(denied).code, 'AccessDenied');
    assert.ok(await h.storage.metadata.getObject('pub', 'open'), 'nothing was deleted');
    await ok(anon(deleteXml(['open'])));
    assert.equal(await h.storage.metadata.getObject('pub', 'open'), undefined);
  });
});

describe('object tagging', () => {
  function taggingXml(tags: Record<string, string>): Buffer {
    return Buffer.from(
      `<Tagging><TagSet>${Object.entries(tags)
        .map(([k, v]) => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`)
        .join('')}</TagSet></Tagging>`,
    );
  }
  const putTags = (key: string, body: Buffer) => h.send('PUT', { bucket: B, key, query: { tagging: null }, body });
  const getTags = (key: string) => h.send('GET', { bucket: B, key, query: { tagging: null } });

  it('puts, gets and deletes (204) the tags of an object', async () => {
    await ok(put('tg/obj', Buffer.from('x')));
    await ok(putTags('tg/obj', taggingXml({ team: 'storage', 'a b': 'c:d/e' })));
    const r = await ok(getTags('tg/obj'));
    assert.deepEqual(xmlAll(r.body, 'Key'), ['team', 'a b']);
    assert.deepEqual(xmlAll(r.body, 'Value'), ['storage', 'c:d/e']);
    await ok(h.send('DELETE', { bucket: B, key: 'tg/obj', query: { tagging: null } }), 204);
    assert.deepEqual(xmlAll((await ok(getTags('tg/obj'))).body, 'Tag'), []);
    await fails(getTags('tg/missing'), 404, 'NoSuchKey');
    await fails(putTags('tg/missing', taggingXml({ a: 'b' })), 404, 'NoSuchKey');
  });

  it('takes x-oss-tagging on PutObject, InitiateMultipartUpload and AppendObject', async () => {
    await ok(put('tg/put', Buffer.from('x'), { 'x-oss-tagging': 'k1=v1&k%202=v%3D2' }));
    assert.deepEqual((await h.storage.metadata.getObject(B, 'tg/put'))?.tags, { k1: 'v1', 'k 2': 'v=2' });
    assert.equal((await ok(h.send('HEAD', { bucket: B, key: 'tg/put' }))).headers['x-oss-tagging-count'], '2');
    const uploadId = await initiate('tg/mp', { 'x-oss-tagging': 'm=1' });
    await ok(uploadPart('tg/mp', uploadId, 1, Buffer.from('x')));
    await ok(complete('tg/mp', uploadId, Buffer.alloc(0), { 'x-oss-complete-all': 'yes' }));
    assert.deepEqual((await h.storage.metadata.getObject(B, 'tg/mp'))?.tags, { m: '1' });
    await ok(h.send('POST', { bucket: B, key: 'tg/ap', query: { append: null, position: 0 }, body: Buffer.from('x'), headers: { 'x-oss-tagging': 'a=' } }));
    assert.deepEqual((await h.storage.metadata.getObject(B, 'tg/ap'))?.tags, { a: '' });
  });

  it('refuses bad tags with 400 InvalidTag', async () => {
    await ok(put('tg/bad', Buffer.from('x')));
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']));
    for (const tags of [eleven, { ['k'.repeat(129)]: 'v' }, { k: 'v'.repeat(257) }, { 'k<>': 'v' }, { k: 'v#' }]) {
      await fails(putTags('tg/bad', taggingXml(Object.fromEntries(Object.entries(tags).map(([k, v]) => [k.replace('<>', '&lt;&gt;'), v])))), 400, 'InvalidTag');
    }
    await fails(putTags('tg/bad', Buffer.from('<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>a</Key><Value>2</Value></Tag></TagSet></Tagging>')), 400, 'InvalidTag');
    await fails(put('tg/bad2', Buffer.from('x'), { 'x-oss-tagging': 'a=b=c' }), 400, 'InvalidTag');
    await fails(put('tg/bad2', Buffer.from('x'), { 'x-oss-tagging': 'a=1&a=2' }), 400, 'InvalidTag');
    await fails(putTags('tg/bad', Buffer.from('<Tags/>')), 400, 'MalformedXML');
    // Exactly at the limits is fine.
    await ok(putTags('tg/bad', taggingXml({ ['k'.repeat(128)]: 'v'.repeat(256) })));
    assert.equal(await h.storage.metadata.getObject(B, 'tg/bad2'), undefined);
  });
});

describe('symlinks', () => {
  const target = 'sl/target 中.txt';
  const data = Buffer.from('the target bytes');
  const putLink = (key: string, to: string, headers: Record<string, string> = {}, bucket = B) =>
    h.send('PUT', { bucket, key, query: { symlink: null }, headers: { 'x-oss-symlink-target': encodeURIComponent(to), ...headers } });

  it('PutSymlink / GetSymlink (URL-encoded target); GetObject and HeadObject follow the link', async () => {
    await ok(put(target, data, { 'content-type': 'text/plain' }));
    await ok(putLink('sl/link', target, { 'x-oss-meta-kind': 'link' }));
    const link = await ok(h.send('GET', { bucket: B, key: 'sl/link', query: { symlink: null } }));
    assert.equal(decodeURIComponent(link.headers['x-oss-symlink-target']!), target);
    assert.ok(link.headers.etag);
    assert.ok(link.headers['last-modified']);
    const got = await ok(get('sl/link'));
    assert.deepEqual(got.body, data);
    assert.equal(got.headers.etag, `"${md5Hex(data)}"`);
    const head = await ok(h.send('HEAD', { bucket: B, key: 'sl/link' }));
    assert.equal(head.headers['content-length'], String(data.length));
    assert.equal(head.headers['content-type'], 'text/plain');
    const range = await ok(get('sl/link', { range: 'bytes=4-9' }), 206);
    assert.equal(range.body.toString(), 'target');
    assert.equal((await h.storage.metadata.getObject(B, 'sl/link'))?.objectType, 'Symlink');
  });

  it('a dangling link is 404 SymlinkTargetNotExist; a link to a link is 400 InvalidTargetType; GetSymlink on an object is 400 NotSymlink', async () => {
    await ok(putLink('sl/dangling', 'sl/nothing'));
    await fails(get('sl/dangling'), 404, 'SymlinkTargetNotExist');
    await fails(h.send('HEAD', { bucket: B, key: 'sl/dangling' }), 404, 'SymlinkTargetNotExist');
    await ok(putLink('sl/chain', 'sl/dangling'));
    await fails(get('sl/chain'), 400, 'InvalidTargetType');
    await ok(put('sl/plain', Buffer.from('x')));
    await fails(h.send('GET', { bucket: B, key: 'sl/plain', query: { symlink: null } }), 400, 'NotSymlink');
    await fails(h.send('GET', { bucket: B, key: 'sl/none', query: { symlink: null } }), 404, 'NoSuchKey');
    await fails(h.send('PUT', { bucket: B, key: 'sl/x', query: { symlink: null } }), 400, 'MissingArgument');
    await fails(putLink('sl/plain', target, { 'x-oss-forbid-overwrite': 'true' }), 409, 'FileAlreadyExists');
  });

  it('reading through a link needs read access to the target too', async () => {
    await ok(h.send('PUT', { bucket: 'readable', headers: { 'x-oss-acl': 'public-read' } }));
    await ok(put('secret', Buffer.from('secret'), { 'x-oss-object-acl': 'private' }, 'readable'));
    await ok(put('open', Buffer.from('open'), {}, 'readable'));
    await ok(putLink('to-secret', 'secret', {}, 'readable'));
    await ok(putLink('to-open', 'open', {}, 'readable'));
    assert.equal((await ok(h.raw({ target: '/readable/to-open' }))).body.toString(), 'open');
    const denied = await h.raw({ target: '/readable/to-secret' });
    assert.equal(denied.status, 403);
    assert.equal(errorOf(denied).code, 'AccessDenied');
    assert.equal((await ok(get('to-secret', {}, 'readable'))).body.toString(), 'secret');
  });
});

describe('--multipart-expiry', () => {
  it('defaults to 7 days; takes a flag or PAIL_MULTIPART_EXPIRY (flag wins); refuses nonsense', () => {
    assert.equal(resolveServerConfig([], {}, '/srv').multipartExpiryMs, 7 * 86_400_000);
    assert.equal(resolveServerConfig([], { PAIL_MULTIPART_EXPIRY: '36h' }, '/srv').multipartExpiryMs, 36 * 3_600_000);
    assert.equal(resolveServerConfig(['--multipart-expiry=off'], { PAIL_MULTIPART_EXPIRY: '36h' }, '/srv').multipartExpiryMs, 0);
    assert.equal(resolveServerConfig(['--multipart-expiry', '600'], {}, '/srv').multipartExpiryMs, 600_000);
    assert.throws(() => resolveServerConfig(['--multipart-expiry', 'soon'], {}, '/srv'), /--multipart-expiry/);
    assert.throws(() => resolveServerConfig([], { PAIL_MULTIPART_EXPIRY: '-1d' }, '/srv'), /PAIL_MULTIPART_EXPIRY/);
  });
});
