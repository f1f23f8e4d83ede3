/**
 * Contract suites every storage seam implementation runs unchanged (SQLite + file system now,
 * PostgreSQL and S3-compatible blobs later). They use only the interfaces in
 * src/storage/types.ts: no SQL, no paths, no implementation counters.
 *
 *   runMetadataStoreContract('sqlite', () => openFreshSqliteStore())
 *   runBlobStoreContract('fs', () => openFreshFsBlobStore())
 *
 * Each test gets a fresh, empty store from the factory and closes it (metadata) at the end.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { crc64, crc64Combine } from '../src/storage/crc64.js';
import type {
  BlobStore,
  BucketRecord,
  CopyAttributes,
  ListObjectsQuery,
  MetadataStore,
  MultipartUploadRecord,
  ObjectRecord,
  PartRecord,
  Segment,
} from '../src/storage/types.js';
import { StorageError, type StorageErrorCode } from '../src/storage/types.js';

// ---- Shared helpers ----

export async function rejectsWith(promise: Promise<unknown>, code: StorageErrorCode): Promise<StorageError> {
  let caught: unknown;
  await assert.rejects(promise, (err) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof StorageError, `expected StorageError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code);
  return caught;
}

/** Deterministic PRNG (mulberry32) so failures reproduce from the printed seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** UTF-8 byte order, computed independently of the implementation under test. */
export function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export async function* chunks(...parts: (string | Uint8Array)[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield typeof p === 'string' ? Buffer.from(p) : p;
}

export async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of stream) out.push(c as Buffer);
  return Buffer.concat(out);
}

export function md5Hex(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex').toUpperCase();
}

export function md5Base64(data: Uint8Array): string {
  return createHash('md5').update(data).digest('base64');
}

const NOW = 1_750_000_000_000;

function bucketRecord(name: string, overrides: Partial<BucketRecord> = {}): BucketRecord {
  return {
    name,
    createdAt: NOW,
    acl: 'private',
    storageClass: 'Standard',
    region: 'oss-cn-hangzhou',
    owner: 'LTAIroot',
    ...overrides,
  };
}

export function objectRecord(bucket: string, key: string, segments: Segment[], overrides: Partial<ObjectRecord> = {}): ObjectRecord {
  return {
    bucket,
    key,
    size: segments.reduce((n, s) => n + s.size, 0),
    etag: 'D41D8CD98F00B204E9800998ECF8427E',
    crc64: '0',
    lastModified: NOW,
    objectType: 'Normal',
    storageClass: 'Standard',
    acl: 'default',
    httpHeaders: {},
    userMeta: {},
    segments,
    ...overrides,
  };
}

function seg(blobId: string, size = 10, offset = 0): Segment {
  return { blobId, offset, size };
}

function uploadRecord(bucket: string, key: string, uploadId: string, initiated = NOW): MultipartUploadRecord {
  return {
    bucket,
    key,
    uploadId,
    initiated,
    acl: 'default',
    storageClass: 'Standard',
    httpHeaders: { contentType: 'text/plain' },
    userMeta: { purpose: 'test' },
  };
}

/** A part whose ETag and CRC are those of `data` (the blob id is made up: metadata never reads blobs). */
function partRecord(partNumber: number, data: Buffer, blobId: string): PartRecord {
  return {
    partNumber,
    size: data.length,
    etag: md5Hex(data),
    crc64: crc64(data).toString(),
    lastModified: NOW,
    segments: [seg(blobId, data.length)],
  };
}

// ---- Listing model ----

export interface ModelQuery {
  readonly prefix: string;
  readonly delimiter: string;
  readonly after: string;
  readonly maxKeys: number;
}

export interface ModelPage {
  readonly keys: string[];
  readonly commonPrefixes: string[];
  readonly isTruncated: boolean;
  readonly nextAfter?: string;
}

/**
 * Brute-force ListObjects: every key after `after` with the prefix, rolled up at the first
 * delimiter past the prefix; a common prefix equal to `after` was the previous page's last
 * entry and is not repeated. Keys are sorted once by their UTF-8 bytes.
 */
export class ListingModel {
  private readonly sorted: { key: string; bytes: Buffer }[];

  constructor(keys: readonly string[]) {
    this.sorted = keys.map((key) => ({ key, bytes: Buffer.from(key) })).sort((a, b) => Buffer.compare(a.bytes, b.bytes));
  }

  list(q: ModelQuery): ModelPage {
    const after = Buffer.from(q.after);
    const prefix = Buffer.from(q.prefix);
    // First key greater than `after`.
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (Buffer.compare(this.sorted[mid]!.bytes, after) <= 0) lo = mid + 1;
      else hi = mid;
    }
    const entries: { value: string; prefix: boolean }[] = [];
    for (let i = lo; i < this.sorted.length && entries.length <= q.maxKeys; i++) {
      const { key, bytes } = this.sorted[i]!;
      if (!key.startsWith(q.prefix)) {
        if (Buffer.compare(bytes, prefix) > 0) break; // past the keys with the prefix
        continue;
      }
      const at = q.delimiter ? key.indexOf(q.delimiter, q.prefix.length) : -1;
      if (at < 0) {
        entries.push({ value: key, prefix: false });
        continue;
      }
      const common = key.slice(0, at + q.delimiter.length);
      if (common === q.after) continue;
      const last = entries.at(-1);
      if (!(last?.prefix && last.value === common)) entries.push({ value: common, prefix: true });
    }
    const page = entries.slice(0, q.maxKeys);
    const result = {
      keys: page.filter((e) => !e.prefix).map((e) => e.value),
      commonPrefixes: page.filter((e) => e.prefix).map((e) => e.value),
      isTruncated: entries.length > q.maxKeys,
    };
    const last = page.at(-1);
    return last === undefined ? result : { ...result, nextAfter: last.value };
  }
}

const KEY_CHARS = ['a', 'b', 'Z', '0', '-', '.', ' ', '%', '\u007f', 'é', 'ß', '中', '\ue000', '\ufffd', '\uffff', '😀', '\u{10ffff}'];

/** Random keys with deep shared prefixes, '/' and '中' as separators, and the extreme code points. */
export function randomKeys(rand: () => number, count: number): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const word = (max: number) => Array.from({ length: 1 + Math.floor(rand() * max) }, () => pick(KEY_CHARS)).join('');
  const tops = Array.from({ length: 6 }, () => word(2));
  const mids = Array.from({ length: 8 }, () => word(3));
  const keys = new Set<string>();
  while (keys.size < count) {
    const r = rand();
    const sep = rand() < 0.8 ? '/' : '中';
    if (r < 0.15) keys.add(word(6));
    else if (r < 0.55) keys.add(`${pick(tops)}${sep}${word(5)}`);
    else if (r < 0.95) keys.add(`${pick(tops)}/${pick(mids)}${sep}${word(4)}`);
    else keys.add(`${pick(tops)}/${rand() < 0.5 ? '' : `${pick(mids)}/`}`);
  }
  return [...keys];
}

/** Walks every page of `q` (from `q.after`), checking each against the model; returns all entries. */
async function checkPaging(
  store: MetadataStore,
  bucket: string,
  model: ListingModel,
  q: ModelQuery,
): Promise<{ pages: number; entries: string[] }> {
  let after = q.after;
  const entries: string[] = [];
  for (let pages = 1; ; pages++) {
    const query: ListObjectsQuery = { bucket, ...q, after };
    const page = await store.listObjects(query);
    const expected = model.list({ ...q, after });
    const what = `prefix=${JSON.stringify(q.prefix)} delimiter=${JSON.stringify(q.delimiter)} after=${JSON.stringify(after)} maxKeys=${q.maxKeys}`;
    assert.deepEqual(
      page.objects.map((o) => o.key),
      expected.keys,
      `keys, ${what}`,
    );
    assert.deepEqual(page.commonPrefixes, expected.commonPrefixes, `common prefixes, ${what}`);
    assert.equal(page.isTruncated, expected.isTruncated, `isTruncated, ${what}`);
    assert.equal(page.nextAfter, expected.nextAfter, `nextAfter, ${what}`);
    entries.push(...page.objects.map((o) => o.key), ...page.commonPrefixes);
    if (!page.isTruncated) return { pages, entries };
    assert.ok(page.nextAfter !== undefined);
    after = page.nextAfter;
  }
}

// ---- MetadataStore contract ----

export function runMetadataStoreContract(name: string, factory: () => Promise<MetadataStore>): void {
  const withStore = async (fn: (store: MetadataStore) => Promise<void>) => {
    const store = await factory();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  };
  const withBucket = (fn: (store: MetadataStore, bucket: string) => Promise<void>) =>
    withStore(async (store) => {
      await store.createBucket(bucketRecord('bkt'));
      await fn(store, 'bkt');
    });

  describe(`MetadataStore contract: ${name}`, () => {
    describe('buckets', () => {
      it('creates, reads, refuses duplicates, lists in byte order with prefix and paging', () =>
        withStore(async (store) => {
          const names = ['b-2', 'a-1', 'b-10', 'c-3', 'b-1'];
          for (const n of names) await store.createBucket(bucketRecord(n, { acl: 'public-read' }));
          assert.deepEqual(await store.getBucket('b-2'), bucketRecord('b-2', { acl: 'public-read' }));
          assert.equal(await store.getBucket('zz'), undefined);
          await rejectsWith(store.createBucket(bucketRecord('a-1')), 'BucketAlreadyExists');

          const all = await store.listBuckets();
          assert.deepEqual(
            all.buckets.map((b) => b.name),
            ['a-1', 'b-1', 'b-10', 'b-2', 'c-3'],
          );
          assert.equal(all.isTruncated, false);
          const page = await store.listBuckets({ prefix: 'b-', after: 'b-1', maxKeys: 1 });
          assert.deepEqual(
            page.buckets.map((b) => b.name),
            ['b-10'],
          );
          assert.equal(page.isTruncated, true);
          const rest = await store.listBuckets({ prefix: 'b-', after: 'b-10', maxKeys: 5 });
          assert.deepEqual(
            rest.buckets.map((b) => b.name),
            ['b-2'],
          );
          assert.equal(rest.isTruncated, false);
        }));

      it('sets the ACL; NoSuchBucket for unknown buckets', () =>
        withStore(async (store) => {
          await store.createBucket(bucketRecord('acl-bucket'));
          await store.setBucketAcl('acl-bucket', 'public-read-write');
          assert.equal((await store.getBucket('acl-bucket'))?.acl, 'public-read-write');
          await rejectsWith(store.setBucketAcl('nope', 'private'), 'NoSuchBucket');
          await rejectsWith(store.deleteBucket('nope'), 'NoSuchBucket');
          await rejectsWith(store.bucketStat('nope'), 'NoSuchBucket');
        }));

      it('sets, replaces and removes the CORS configuration; a recreated bucket starts without one', () =>
        withStore(async (store) => {
          await store.createBucket(bucketRecord('cors-bucket'));
          assert.equal((await store.getBucket('cors-bucket'))?.cors, undefined);
          const cors = {
            rules: [
              { allowedOrigins: ['https://*.example.com'], allowedMethods: ['GET', 'HEAD'], allowedHeaders: ['range'], exposeHeaders: ['ETag'], maxAgeSeconds: 60 },
              { allowedOrigins: ['*'], allowedMethods: ['PUT'], allowedHeaders: [], exposeHeaders: [] },
            ],
            responseVary: true,
          };
          await store.setBucketCors('cors-bucket', cors);
          assert.deepEqual((await store.getBucket('cors-bucket'))?.cors, cors);
          const replaced = { rules: [cors.rules[1]!], responseVary: false };
          await store.setBucketCors('cors-bucket', replaced);
          assert.deepEqual((await store.getBucket('cors-bucket'))?.cors, replaced);
          await store.setBucketCors('cors-bucket', null);
          assert.equal((await store.getBucket('cors-bucket'))?.cors, undefined);
          await store.setBucketCors('cors-bucket', cors);
          await store.deleteBucket('cors-bucket');
          await store.createBucket(bucketRecord('cors-bucket'));
          assert.equal((await store.getBucket('cors-bucket'))?.cors, undefined);
          await rejectsWith(store.setBucketCors('nope', cors), 'NoSuchBucket');
        }));

      it('refuses to delete a bucket with objects, then deletes it once empty', () =>
        withBucket(async (store, bucket) => {
          await store.putObject(objectRecord(bucket, 'k', [seg('blob-1')]));
          await rejectsWith(store.deleteBucket(bucket), 'BucketNotEmpty');
          await store.deleteObject(bucket, 'k');
          await store.deleteBucket(bucket);
          assert.equal(await store.getBucket(bucket), undefined);
        }));

      it('refuses to delete a bucket while multipart uploads are in progress', () =>
        withBucket(async (store, bucket) => {
          await store.createMultipartUpload(uploadRecord(bucket, 'big', 'U1'));
          await rejectsWith(store.deleteBucket(bucket), 'BucketNotEmpty');
          await store.abortMultipartUpload({ bucket, key: 'big', uploadId: 'U1' });
          await store.deleteBucket(bucket);
        }));

      it('reports object count, bytes, last modification and uploads in bucketStat', () =>
        withBucket(async (store, bucket) => {
          assert.deepEqual(await store.bucketStat(bucket), {
            objectCount: 0,
            storage: 0,
            lastModified: 0,
            multipartUploadCount: 0,
          });
          await store.putObject(objectRecord(bucket, 'a', [seg('b1', 5)], { lastModified: NOW + 5 }));
          await store.putObject(objectRecord(bucket, 'b', [seg('b2', 7)], { lastModified: NOW + 9 }));
          await store.createMultipartUpload(uploadRecord(bucket, 'c', 'U1'));
          assert.deepEqual(await store.bucketStat(bucket), {
            objectCount: 2,
            storage: 12,
            lastModified: NOW + 9,
            multipartUploadCount: 1,
          });
        }));
    });

    describe('objects', () => {
      it('round-trips every field of a record', () =>
        withBucket(async (store, bucket) => {
          const full = objectRecord(bucket, 'dir/ключ 😀', [seg('blob-a', 3), seg('blob-b', 4, 2)], {
            etag: '0123456789ABCDEF0123456789ABCDEF-2',
            crc64: '18446744073709551615',
            objectType: 'Multipart',
            storageClass: 'IA',
            acl: 'public-read',
            httpHeaders: {
              contentType: 'text/plain; charset=utf-8',
              contentDisposition: 'attachment',
              contentEncoding: 'gzip',
              contentLanguage: 'en',
              cacheControl: 'no-cache',
              expires: 'Thu, 01 Dec 1994 16:00:00 GMT',
            },
            userMeta: { author: 'ÿ raw latin1 \u00e9', empty: '' },
            tags: { team: 'storage', 'a b': 'c=d' },
            contentMd5: '1B2M2Y8AsgTpgAmY7PhCfg==',
          });
          await store.putObject(full);
          assert.deepEqual(await store.getObject(bucket, full.key), full);
          const link = objectRecord(bucket, 'link', [], { objectType: 'Symlink', symlinkTarget: 'dir/ключ 😀', size: 0 });
          await store.putObject(link);
          assert.deepEqual(await store.getObject(bucket, 'link'), link);
          assert.equal(await store.getObject(bucket, 'missing'), undefined);
          assert.equal(await store.getObject('other-bucket', full.key), undefined);
        }));

      it('refuses objects in a missing bucket', () =>
        withStore(async (store) => {
          await rejectsWith(store.putObject(objectRecord('nope', 'k', [seg('b')])), 'NoSuchBucket');
          assert.deepEqual(await store.referencedBlobs(), new Set());
        }));

      it('overwrite orphans the old blob; ifNoneExists refuses and changes nothing', () =>
        withBucket(async (store, bucket) => {
          assert.deepEqual(await store.putObject(objectRecord(bucket, 'k', [seg('old')])), { orphanedBlobs: [] });
          const err = store.putObject(objectRecord(bucket, 'k', [seg('new')]), { ifNoneExists: true });
          await rejectsWith(err, 'FileAlreadyExists');
          assert.equal((await store.getObject(bucket, 'k'))?.segments[0]?.blobId, 'old');
          assert.deepEqual(await store.referencedBlobs(), new Set(['old']));
          assert.deepEqual(await store.putObject(objectRecord(bucket, 'k', [seg('new')])), { orphanedBlobs: ['old'] });
          assert.deepEqual(await store.referencedBlobs(), new Set(['new']));
          assert.deepEqual(await store.putObject(objectRecord(bucket, 'fresh', [seg('f')]), { ifNoneExists: true }), {
            orphanedBlobs: [],
          });
        }));

      it('orphans a shared blob only when its last reference goes', () =>
        withBucket(async (store, bucket) => {
          // CopyObject shares blobs; one object may also name a blob twice (sliced part copies).
          await store.putObject(objectRecord(bucket, 'a', [seg('shared')]));
          assert.deepEqual(await store.putObject(objectRecord(bucket, 'b', [seg('shared'), seg('shared', 5, 5)])), {
            orphanedBlobs: [],
          });
          assert.deepEqual(await store.deleteObject(bucket, 'a'), { existed: true, orphanedBlobs: [] });
          // Rewriting b with the same blob (e.g. a metadata-replacing copy onto itself) keeps it.
          assert.deepEqual(await store.putObject(objectRecord(bucket, 'b', [seg('shared')])), { orphanedBlobs: [] });
          assert.deepEqual(await store.referencedBlobs(), new Set(['shared']));
          assert.deepEqual(await store.deleteObject(bucket, 'b'), { existed: true, orphanedBlobs: ['shared'] });
          assert.deepEqual(await store.deleteObject(bucket, 'b'), { existed: false, orphanedBlobs: [] });
          assert.deepEqual(await store.referencedBlobs(), new Set());
        }));

      it('deletes a batch of keys in one call: reports those that existed, orphans blobs once unreferenced', () =>
        withBucket(async (store, bucket) => {
          await store.putObject(objectRecord(bucket, 'a', [seg('shared')]));
          await store.putObject(objectRecord(bucket, 'b', [seg('shared'), seg('only-b')]));
          await store.putObject(objectRecord(bucket, 'c', [seg('shared')]));
          const { existed, orphanedBlobs } = await store.deleteObjects(bucket, ['a', 'missing', 'b', 'a']);
          assert.deepEqual(existed, ['a', 'b']);
          assert.deepEqual(orphanedBlobs, ['only-b']);
          assert.deepEqual(await store.referencedBlobs(), new Set(['shared']));
          assert.deepEqual(await store.deleteObjects(bucket, ['c']), { existed: ['c'], orphanedBlobs: ['shared'] });
          assert.deepEqual(await store.deleteObjects(bucket, []), { existed: [], orphanedBlobs: [] });
        }));

      it('stores 0-byte objects without segments', () =>
        withBucket(async (store, bucket) => {
          await store.putObject(objectRecord(bucket, 'empty/', []));
          assert.deepEqual((await store.getObject(bucket, 'empty/'))?.segments, []);
          assert.deepEqual(await store.deleteObject(bucket, 'empty/'), { existed: true, orphanedBlobs: [] });
        }));

      it('updates ACL and tags in place; NoSuchKey for missing objects', () =>
        withBucket(async (store, bucket) => {
          const record = objectRecord(bucket, 'k', [seg('b')]);
          await store.putObject(record);
          await store.updateObject(bucket, 'k', { acl: 'private' });
          await store.updateObject(bucket, 'k', { tags: { a: '1' } });
          assert.deepEqual(await store.getObject(bucket, 'k'), { ...record, acl: 'private', tags: { a: '1' } });
          await store.updateObject(bucket, 'k', { tags: undefined });
          assert.deepEqual(await store.getObject(bucket, 'k'), { ...record, acl: 'private' });
          await rejectsWith(store.updateObject(bucket, 'missing', { acl: 'private' }), 'NoSuchKey');
        }));
    });

    describe('copy', () => {
      const attributes = (overrides: Partial<CopyAttributes> = {}) => (): CopyAttributes => ({
        acl: 'default',
        storageClass: 'IA',
        httpHeaders: { contentType: 'text/copied' },
        userMeta: { copied: 'yes' },
        ...overrides,
      });

      it('shares the source segments: bytes, ETag, CRC-64 and type come from the source', () =>
        withBucket(async (store, bucket) => {
          await store.createBucket(bucketRecord('other'));
          const source = objectRecord(bucket, 'src', [seg('b1', 5), seg('b2', 7, 3)], {
            etag: '0123456789ABCDEF0123456789ABCDEF-2',
            crc64: '42',
            objectType: 'Multipart',
            contentMd5: 'ignored-but-kept',
            tags: { t: 'source' },
          });
          await store.putObject(source);
          let seen: ObjectRecord | undefined;
          const { record, orphanedBlobs } = await store.copyObject({
            source: { bucket, key: 'src' },
            bucket: 'other',
            key: 'dst',
            attributes: (s) => {
              seen = s;
              return attributes({ tags: { t: 'copy' } })();
            },
            lastModified: NOW + 5,
          });
          assert.deepEqual(seen, source);
          assert.deepEqual(orphanedBlobs, []);
          assert.deepEqual(record, {
            ...source,
            bucket: 'other',
            key: 'dst',
            lastModified: NOW + 5,
            storageClass: 'IA',
            httpHeaders: { contentType: 'text/copied' },
            userMeta: { copied: 'yes' },
            tags: { t: 'copy' },
          });
          assert.deepEqual(await store.getObject('other', 'dst'), record);
          // The blobs now have two references: deleting one object orphans nothing.
          assert.deepEqual(await store.deleteObject(bucket, 'src'), { existed: true, orphanedBlobs: [] });
          assert.deepEqual(await store.referencedBlobs(), new Set(['b1', 'b2']));
          assert.deepEqual((await store.deleteObject('other', 'dst')).orphanedBlobs.sort(), ['b1', 'b2']);
        }));

      it('copies onto itself (metadata replacement) keeping the blob; overwriting a destination orphans its blob', () =>
        withBucket(async (store, bucket) => {
          await store.putObject(objectRecord(bucket, 'a', [seg('shared')]));
          await store.putObject(objectRecord(bucket, 'b', [seg('old-b')]));
          const self = await store.copyObject({ source: { bucket, key: 'a' }, bucket, key: 'a', attributes: attributes(), lastModified: NOW });
          assert.deepEqual(self.orphanedBlobs, []);
          assert.deepEqual((await store.getObject(bucket, 'a'))?.userMeta, { copied: 'yes' });
          const over = await store.copyObject({ source: { bucket, key: 'a' }, bucket, key: 'b', attributes: attributes(), lastModified: NOW });
          assert.deepEqual(over.orphanedBlobs, ['old-b']);
          assert.deepEqual(await store.referencedBlobs(), new Set(['shared']));
        }));

      it('refuses a missing source, a missing bucket, a forbidden overwrite and a throwing check, changing nothing', () =>
        withBucket(async (store, bucket) => {
          await store.putObject(objectRecord(bucket, 'src', [seg('s')]));
          await store.putObject(objectRecord(bucket, 'dst', [seg('d')]));
          const copy = (input: Partial<Parameters<MetadataStore['copyObject']>[0]>) =>
            store.copyObject({ source: { bucket, key: 'src' }, bucket, key: 'new', attributes: attributes(), lastModified: NOW, ...input });
          const noKey = await rejectsWith(copy({ source: { bucket, key: 'missing' } }), 'NoSuchKey');
          assert.equal(noKey.details.key, 'missing');
          const noSourceBucket = await rejectsWith(copy({ source: { bucket: 'nope', key: 'src' } }), 'NoSuchBucket');
          assert.equal(noSourceBucket.details.bucket, 'nope');
          await rejectsWith(copy({ bucket: 'nope' }), 'NoSuchBucket');
          await rejectsWith(copy({ key: 'dst', ifNoneExists: true }), 'FileAlreadyExists');
          const refused = new Error('precondition');
          await assert.rejects(
            copy({
              attributes: () => {
                throw refused;
              },
            }),
            (e) => e === refused,
          );
          assert.equal(await store.getObject(bucket, 'new'), undefined);
          assert.equal((await store.getObject(bucket, 'dst'))?.segments[0]?.blobId, 'd');
          assert.deepEqual(await store.referencedBlobs(), new Set(['s', 'd']));
        }));
    });

    describe('listing', () => {
      it('orders keys by UTF-8 bytes, not UTF-16 code units', () =>
        withBucket(async (store, bucket) => {
          // UTF-16 puts '😀' (D83D DE00) before U+E000 and U+FFFD; UTF-8 puts 4-byte sequences last.
          const expected = ['Z', 'a', 'é', '中', '\ue000', '\ufffd', '\uffff', '😀', '\u{10ffff}'];
          for (const key of [...expected].reverse()) await store.putObject(objectRecord(bucket, key, []));
          const page = await store.listObjects({ bucket, prefix: '', delimiter: '', after: '', maxKeys: 1000 });
          assert.deepEqual(
            page.objects.map((o) => o.key),
            expected,
          );
          const after = await store.listObjects({ bucket, prefix: '', delimiter: '', after: '\uffff', maxKeys: 1000 });
          assert.deepEqual(
            after.objects.map((o) => o.key),
            ['😀', '\u{10ffff}'],
          );
        }));

      it('handles prefixes and delimiters made of the largest code points', () =>
        withBucket(async (store, bucket) => {
          const M = '\u{10ffff}';
          const keys = [`${M}`, `${M}${M}`, `${M}${M}x`, `${M}a${M}b`, `${M}a${M}c`, `${M}b`, 'z', `\uffff${M}`];
          for (const key of keys) await store.putObject(objectRecord(bucket, key, []));
          const model = new ListingModel(keys);
          for (const q of [
            { prefix: M, delimiter: '', after: '', maxKeys: 1000 },
            { prefix: M, delimiter: M, after: '', maxKeys: 1000 },
            { prefix: M, delimiter: M, after: '', maxKeys: 1 },
            { prefix: `${M}${M}`, delimiter: '', after: '', maxKeys: 2 },
            { prefix: '', delimiter: M, after: '', maxKeys: 2 },
            { prefix: '', delimiter: M, after: `${M}a`, maxKeys: 1000 },
          ]) {
            await checkPaging(store, bucket, model, q);
          }
        }));

      it('pages 2500 random keys like a brute-force model, with and without delimiters', async (t: TestContext) => {
        const seed = Number(process.env.PAIL_TEST_SEED ?? 0x5eed2500);
        t.diagnostic(`seed ${seed} (set PAIL_TEST_SEED to reproduce another)`);
        const rand = prng(seed);
        const keys = randomKeys(rand, 2500);
        await withBucket(async (store, bucket) => {
          for (const key of keys) await store.putObject(objectRecord(bucket, key, [seg(`blob-${key}`)]));
          const sortedKeys = [...keys].sort(byteCompare);
          const model = new ListingModel(keys);
          const full = await checkPaging(store, bucket, model, { prefix: '', delimiter: '', after: '', maxKeys: 1000 });
          assert.deepEqual(full.entries, sortedKeys);
          assert.equal(full.pages, 3);
          const prefixes = ['', ...new Set(keys.map((k) => k.slice(0, 1))), ...new Set(keys.map((k) => k.slice(0, 3)))];
          for (const delimiter of ['', '/', '中']) {
            for (const maxKeys of [1, 7, 1000]) {
              const prefixList = maxKeys === 1 ? ['', prefixes[1]!] : prefixes.slice(0, 12);
              for (const prefix of prefixList) await checkPaging(store, bucket, model, { prefix, delimiter, after: '', maxKeys });
            }
          }
          // Arbitrary start-after markers: keys, common prefixes, strings between them.
          for (let i = 0; i < 40; i++) {
            const base = Array.from(sortedKeys[Math.floor(rand() * sortedKeys.length)]!); // code points
            const cut = base.slice(0, Math.floor(rand() * (base.length + 1))).join('');
            const after = rand() < 0.5 ? cut : cut + KEY_CHARS[Math.floor(rand() * KEY_CHARS.length)]!;
            const delimiter = rand() < 0.5 ? '/' : '';
            await checkPaging(store, bucket, model, { prefix: '', delimiter, after, maxKeys: 50 });
            await checkPaging(store, bucket, model, { prefix: base[0]!, delimiter, after, maxKeys: 13 });
          }
        });
      });

      it('uses multi-character delimiters and returns a common prefix once across pages', () =>
        withBucket(async (store, bucket) => {
          const keys = ['a--b', 'a--c', 'a-d', 'b--', 'b--x--y', 'c'];
          for (const key of keys) await store.putObject(objectRecord(bucket, key, []));
          const model = new ListingModel(keys);
          const page1 = await store.listObjects({ bucket, prefix: '', delimiter: '--', after: '', maxKeys: 1 });
          assert.deepEqual(page1.commonPrefixes, ['a--']);
          assert.equal(page1.nextAfter, 'a--');
          const page2 = await store.listObjects({ bucket, prefix: '', delimiter: '--', after: 'a--', maxKeys: 10 });
          assert.deepEqual(
            page2.objects.map((o) => o.key),
            ['a-d', 'c'],
          );
          assert.deepEqual(page2.commonPrefixes, ['b--']);
          assert.equal(page2.isTruncated, false);
          await checkPaging(store, bucket, model, { prefix: 'b--', delimiter: '--', after: '', maxKeys: 1 });
        }));
    });

    describe('append', () => {
      const attributes = { acl: 'default' as const, storageClass: 'Standard' as const, httpHeaders: { contentType: 'text/x-log' }, userMeta: {} };
      const piece = (data: string, blobId: string, position: number, lastModified = NOW) => {
        const bytes = Buffer.from(data);
        return {
          position,
          segment: seg(blobId, bytes.length),
          md5: md5Hex(bytes),
          crc64: crc64(bytes).toString(),
          lastModified,
          attributes,
        };
      };

      it('creates at position 0, appends at the length, combines the CRC-64', () =>
        withBucket(async (store, bucket) => {
          const first = await store.appendObject({ bucket, key: 'log', ...piece('hello ', 'b1', 0) });
          assert.equal(first.objectType, 'Appendable');
          assert.equal(first.size, 6);
          assert.equal(first.crc64, crc64(Buffer.from('hello ')).toString());
          const second = await store.appendObject({
            bucket,
            key: 'log',
            ...piece('world', 'b2', 6, NOW + 1),
            attributes: { ...attributes, httpHeaders: { contentType: 'ignored/after-create' } },
          });
          assert.equal(second.size, 11);
          assert.equal(second.crc64, crc64(Buffer.from('hello world')).toString());
          assert.deepEqual(second.segments, [seg('b1', 6), seg('b2', 5)]);
          assert.deepEqual(second.httpHeaders, { contentType: 'text/x-log' });
          assert.equal(second.lastModified, NOW + 1);
          assert.notEqual(second.etag, first.etag);
          assert.deepEqual(await store.getObject(bucket, 'log'), second);
          assert.deepEqual(await store.referencedBlobs(), new Set(['b1', 'b2']));
        }));

      it('refuses a wrong position with the next position, and non-appendable objects', () =>
        withBucket(async (store, bucket) => {
          const missing = await rejectsWith(store.appendObject({ bucket, key: 'new', ...piece('x', 'b0', 3) }), 'PositionNotEqualToLength');
          assert.equal(missing.details.nextAppendPosition, '0');
          await store.appendObject({ bucket, key: 'log', ...piece('abc', 'b1', 0) });
          const wrong = await rejectsWith(store.appendObject({ bucket, key: 'log', ...piece('d', 'b2', 2) }), 'PositionNotEqualToLength');
          assert.equal(wrong.details.nextAppendPosition, '3');
          await store.putObject(objectRecord(bucket, 'normal', [seg('n')]));
          await rejectsWith(store.appendObject({ bucket, key: 'normal', ...piece('d', 'b3', 10) }), 'ObjectNotAppendable');
          await rejectsWith(store.appendObject({ bucket: 'nope', key: 'log', ...piece('d', 'b4', 0) }), 'NoSuchBucket');
          assert.equal((await store.getObject(bucket, 'log'))?.size, 3);
          assert.deepEqual(await store.referencedBlobs(), new Set(['b1', 'n']));
        }));

      it('accepts an empty append and orphans all segments on delete', () =>
        withBucket(async (store, bucket) => {
          await store.appendObject({ bucket, key: 'log', ...piece('abc', 'b1', 0) });
          const empty = await store.appendObject({
            bucket,
            key: 'log',
            position: 3,
            md5: md5Hex(Buffer.alloc(0)),
            crc64: '0',
            lastModified: NOW,
            attributes,
          });
          assert.equal(empty.size, 3);
          assert.equal(empty.crc64, crc64(Buffer.from('abc')).toString());
          await store.appendObject({ bucket, key: 'log', ...piece('def', 'b2', 3) });
          const { orphanedBlobs } = await store.deleteObject(bucket, 'log');
          assert.deepEqual(orphanedBlobs.sort(), ['b1', 'b2']);
        }));
    });

    describe('multipart uploads', () => {
      const ref = (uploadId: string, key = 'big') => ({ bucket: 'bkt', key, uploadId });
      const data = (n: number, size = 8) => Buffer.alloc(size, 65 + n);

      it('creates uploads (NoSuchBucket without a bucket) and finds them only under their own key', () =>
        withBucket(async (store, bucket) => {
          await rejectsWith(store.createMultipartUpload(uploadRecord('nope', 'k', 'U0')), 'NoSuchBucket');
          const upload = uploadRecord(bucket, 'big', 'U1');
          await store.createMultipartUpload(upload);
          assert.deepEqual(await store.getMultipartUpload(ref('U1')), upload);
          assert.equal(await store.getMultipartUpload(ref('U1', 'other')), undefined);
          assert.equal(await store.getMultipartUpload(ref('nope')), undefined);
          await rejectsWith(store.putPart(ref('U1', 'other'), partRecord(1, data(1), 'p1')), 'NoSuchUpload');
          await rejectsWith(store.listParts(ref('nope'), { partNumberMarker: 0, maxParts: 10 }), 'NoSuchUpload');
        }));

      it('replaces a part and orphans the replaced blob; lists parts in pages', () =>
        withBucket(async (store, bucket) => {
          await store.createMultipartUpload(uploadRecord(bucket, 'big', 'U1'));
          for (const n of [3, 1, 2, 5]) assert.deepEqual(await store.putPart(ref('U1'), partRecord(n, data(n), `p${n}`)), { orphanedBlobs: [] });
          const replaced = await store.putPart(ref('U1'), partRecord(2, data(9), 'p2-new'));
          assert.deepEqual(replaced, { orphanedBlobs: ['p2'] });
          const page1 = await store.listParts(ref('U1'), { partNumberMarker: 0, maxParts: 2 });
          assert.deepEqual(
            page1.parts.map((p) => p.partNumber),
            [1, 2],
          );
          assert.deepEqual(page1.parts[1], partRecord(2, data(9), 'p2-new'));
          assert.equal(page1.isTruncated, true);
          assert.equal(page1.nextPartNumberMarker, 2);
          const page2 = await store.listParts(ref('U1'), { partNumberMarker: 2, maxParts: 2 });
          assert.deepEqual(
            page2.parts.map((p) => p.partNumber),
            [3, 5],
          );
          assert.equal(page2.isTruncated, false);
          assert.deepEqual(await store.referencedBlobs(), new Set(['p1', 'p2-new', 'p3', 'p5']));
        }));

      it('completes into a manifest of the part blobs; unused parts are orphaned', () =>
        withBucket(async (store, bucket) => {
          await store.putObject(objectRecord(bucket, 'big', [seg('previous')]));
          await store.createMultipartUpload({ ...uploadRecord(bucket, 'big', 'U1'), tags: { t: '1' } });
          for (const n of [1, 2, 3, 4]) await store.putPart(ref('U1'), partRecord(n, data(n, 10 + n), `p${n}`));
          const { record, orphanedBlobs } = await store.completeMultipartUpload(ref('U1'), {
            parts: [1, 2, 4].map((n) => ({ partNumber: n, etag: `"${md5Hex(data(n, 10 + n)).toLowerCase()}"` })),
            lastModified: NOW + 7,
            minPartSize: 10,
          });
          const bytes = Buffer.concat([data(1, 11), data(2, 12), data(4, 14)]);
          const etagDigest = createHash('md5')
            .update(Buffer.concat([1, 2, 4].map((n) => createHash('md5').update(data(n, 10 + n)).digest())))
            .digest('hex')
            .toUpperCase();
          assert.deepEqual(record, {
            bucket,
            key: 'big',
            size: bytes.length,
            etag: `${etagDigest}-3`,
            crc64: crc64(bytes).toString(),
            lastModified: NOW + 7,
            objectType: 'Multipart',
            storageClass: 'Standard',
            acl: 'default',
            httpHeaders: { contentType: 'text/plain' },
            userMeta: { purpose: 'test' },
            segments: [seg('p1', 11), seg('p2', 12), seg('p4', 14)],
            tags: { t: '1' },
          });
          assert.deepEqual(orphanedBlobs.sort(), ['p3', 'previous']);
          assert.deepEqual(await store.getObject(bucket, 'big'), record);
          assert.equal(await store.getMultipartUpload(ref('U1')), undefined);
          await rejectsWith(store.listParts(ref('U1'), { partNumberMarker: 0, maxParts: 10 }), 'NoSuchUpload');
          assert.deepEqual(await store.referencedBlobs(), new Set(['p1', 'p2', 'p4']));
        }));

      it('stores parts that share blobs only while those blobs are still referenced', () =>
        withBucket(async (store, bucket) => {
          await store.putObject(objectRecord(bucket, 'src', [seg('s', 100)]));
          await store.createMultipartUpload(uploadRecord(bucket, 'big', 'U1'));
          const slice = { ...partRecord(1, data(1, 10), 'unused'), segments: [seg('s', 10, 20)] };
          assert.deepEqual(await store.putPart(ref('U1'), slice, { sharesBlobs: true }), { orphanedBlobs: [] });
          // Source gone: its blob keeps the part's reference.
          assert.deepEqual(await store.deleteObject(bucket, 'src'), { existed: true, orphanedBlobs: [] });
          assert.deepEqual(await store.referencedBlobs(), new Set(['s']));
          // A blob nothing references any more must not be revived.
          const dead = { ...partRecord(2, data(2, 10), 'unused'), segments: [seg('gone', 10)] };
          await rejectsWith(store.putPart(ref('U1'), dead, { sharesBlobs: true }), 'NoSuchKey');
          const page = await store.listParts(ref('U1'), { partNumberMarker: 0, maxParts: 10 });
          assert.deepEqual(
            page.parts.map((p) => p.partNumber),
            [1],
          );
          assert.deepEqual((await store.abortMultipartUpload(ref('U1'))).orphanedBlobs, ['s']);
        }));

      it('completes with the ACL given at completion, overriding the one given at initiation', () =>
        withBucket(async (store, bucket) => {
          await store.createMultipartUpload(uploadRecord(bucket, 'big', 'U1'));
          await store.putPart(ref('U1'), partRecord(1, data(1), 'p1'));
          const { record } = await store.completeMultipartUpload(ref('U1'), { parts: 'all', lastModified: NOW, minPartSize: 1, acl: 'public-read' });
          assert.equal(record.acl, 'public-read');
          assert.equal((await store.getObject(bucket, 'big'))?.acl, 'public-read');
        }));

      it('refuses bad part lists and leaves the upload intact', () =>
        withBucket(async (store, bucket) => {
          await store.createMultipartUpload(uploadRecord(bucket, 'big', 'U1'));
          await store.putPart(ref('U1'), partRecord(1, data(1, 4), 'p1'));
          await store.putPart(ref('U1'), partRecord(2, data(2, 10), 'p2'));
          await store.putPart(ref('U1'), partRecord(3, data(3, 10), 'p3'));
          const etag = (n: number, size: number) => md5Hex(data(n, size));
          const complete = (parts: { partNumber: number; etag: string }[] | 'all', forbidOverwrite = false) =>
            store.completeMultipartUpload(ref('U1'), { parts, lastModified: NOW, minPartSize: 5, forbidOverwrite });
          await rejectsWith(complete([{ partNumber: 1, etag: 'ABCDEF' }]), 'InvalidPart');
          await rejectsWith(complete([{ partNumber: 4, etag: etag(1, 4) }]), 'InvalidPart');
          await rejectsWith(
            complete([
              { partNumber: 2, etag: etag(2, 10) },
              { partNumber: 2, etag: etag(2, 10) },
            ]),
            'InvalidPartOrder',
          );
          await rejectsWith(
            complete([
              { partNumber: 3, etag: etag(3, 10) },
              { partNumber: 2, etag: etag(2, 10) },
            ]),
            'InvalidPartOrder',
          );
          await rejectsWith(complete('all'), 'EntityTooSmall'); // part 1 (4 bytes) is not last
          await rejectsWith(complete([]), 'InvalidPart');
          await store.putObject(objectRecord(bucket, 'big', [seg('existing')]));
          await rejectsWith(complete([{ partNumber: 2, etag: etag(2, 10) }], true), 'FileAlreadyExists');
          assert.ok(await store.getMultipartUpload(ref('U1')));
          assert.deepEqual(await store.referencedBlobs(), new Set(['p1', 'p2', 'p3', 'existing']));
          // The last part may be small; 'all' uses every uploaded part.
          await store.putPart(ref('U1'), partRecord(1, data(1, 10), 'p1b'));
          const { record } = await complete('all');
          assert.deepEqual(record.segments, [seg('p1b', 10), seg('p2', 10), seg('p3', 10)]);
          await rejectsWith(complete('all'), 'NoSuchUpload');
        }));

      it('aborts: removes the upload and orphans its part blobs', () =>
        withBucket(async (store, bucket) => {
          await store.createMultipartUpload(uploadRecord(bucket, 'big', 'U1'));
          await store.putPart(ref('U1'), partRecord(1, data(1), 'p1'));
          await store.putPart(ref('U1'), partRecord(2, data(2), 'p2'));
          const { orphanedBlobs } = await store.abortMultipartUpload(ref('U1'));
          assert.deepEqual(orphanedBlobs.sort(), ['p1', 'p2']);
          await rejectsWith(store.abortMultipartUpload(ref('U1')), 'NoSuchUpload');
          assert.deepEqual(await store.referencedBlobs(), new Set());
        }));

      it('lists uploads by key then upload id, with markers, prefix and delimiter', () =>
        withBucket(async (store, bucket) => {
          const uploads = [
            ['a/1', 'U1'],
            ['a/1', 'U2'],
            ['a/2', 'U3'],
            ['b', 'U4'],
            ['b', 'U5'],
            ['c/x/y', 'U6'],
          ] as const;
          for (const [key, id] of [...uploads].reverse()) await store.createMultipartUpload(uploadRecord(bucket, key, id));
          const list = (q: Partial<Parameters<MetadataStore['listMultipartUploads']>[0]>) =>
            store.listMultipartUploads({ bucket, prefix: '', delimiter: '', keyMarker: '', uploadIdMarker: '', maxUploads: 1000, ...q });
          const ids = (page: { uploads: readonly MultipartUploadRecord[] }) => page.uploads.map((u) => u.uploadId);

          assert.deepEqual(ids(await list({})), ['U1', 'U2', 'U3', 'U4', 'U5', 'U6']);
          const first = await list({ maxUploads: 2 });
          assert.deepEqual(ids(first), ['U1', 'U2']);
          assert.equal(first.isTruncated, true);
          assert.equal(first.nextKeyMarker, 'a/1');
          assert.equal(first.nextUploadIdMarker, 'U2');
          assert.deepEqual(ids(await list({ keyMarker: 'a/1', uploadIdMarker: 'U1' })), ['U2', 'U3', 'U4', 'U5', 'U6']);
          assert.deepEqual(ids(await list({ keyMarker: 'a/1' })), ['U3', 'U4', 'U5', 'U6']);
          assert.deepEqual(ids(await list({ uploadIdMarker: 'U5' })), ['U1', 'U2', 'U3', 'U4', 'U5', 'U6']);
          assert.deepEqual(ids(await list({ prefix: 'b' })), ['U4', 'U5']);

          const rolled = await list({ delimiter: '/' });
          assert.deepEqual(ids(rolled), ['U4', 'U5']);
          assert.deepEqual(rolled.commonPrefixes, ['a/', 'c/']);
          const page = await list({ delimiter: '/', maxUploads: 1 });
          assert.deepEqual(page.commonPrefixes, ['a/']);
          assert.equal(page.nextKeyMarker, 'a/');
          assert.equal(page.nextUploadIdMarker, undefined);
          const next = await list({ delimiter: '/', keyMarker: 'a/', maxUploads: 2 });
          assert.deepEqual(ids(next), ['U4', 'U5']);
          assert.equal(next.isTruncated, true);
          assert.deepEqual(ids(await list({ prefix: 'c/', delimiter: '/' })), []);
          assert.deepEqual((await list({ prefix: 'c/', delimiter: '/' })).commonPrefixes, ['c/x/']);
        }));

      it('lists stale uploads, oldest first', () =>
        withBucket(async (store, bucket) => {
          await store.createMultipartUpload(uploadRecord(bucket, 'k1', 'U1', NOW + 30));
          await store.createMultipartUpload(uploadRecord(bucket, 'k2', 'U2', NOW + 10));
          await store.createMultipartUpload(uploadRecord(bucket, 'k3', 'U3', NOW + 20));
          const stale = await store.listStaleUploads(NOW + 30, 10);
          assert.deepEqual(
            stale.map((u) => u.uploadId),
            ['U2', 'U3'],
          );
          assert.deepEqual(
            (await store.listStaleUploads(NOW + 100, 1)).map((u) => u.uploadId),
            ['U2'],
          );
        }));
    });
  });
}

// ---- BlobStore contract ----

export function runBlobStoreContract(name: string, factory: () => Promise<BlobStore>): void {
  const listAll = async (store: BlobStore) => {
    const ids: string[] = [];
    for await (const id of store.list()) ids.push(id);
    return ids.sort();
  };

  describe(`BlobStore contract: ${name}`, () => {
    it('stores bytes with size, MD5 and CRC-64, reads them whole and by range', async () => {
      const store = await factory();
      const data = Buffer.from('The quick brown fox jumps over the lazy dog');
      const info = await store.put(chunks(data.subarray(0, 10), data.subarray(10)), {
        expectedSize: data.length,
        contentMd5: md5Base64(data),
      });
      assert.equal(info.size, data.length);
      assert.equal(info.md5.toString('hex'), createHash('md5').update(data).digest('hex'));
      assert.equal(info.crc64, crc64(data));
      assert.deepEqual(await readAll(store.createReadStream(info.id)), data);
      assert.deepEqual(await readAll(store.createReadStream(info.id, { start: 4, end: 8 })), data.subarray(4, 9));
      assert.deepEqual(await listAll(store), [info.id]);
    });

    it('gives every blob a fresh id, even for equal bytes', async () => {
      const store = await factory();
      const a = await store.put(chunks('same'));
      const b = await store.put(chunks('same'));
      assert.notEqual(a.id, b.id);
      assert.deepEqual(await listAll(store), [a.id, b.id].sort());
    });

    it('stores empty bodies', async () => {
      const store = await factory();
      const info = await store.put(chunks());
      assert.equal(info.size, 0);
      assert.equal(info.crc64, 0n);
      assert.deepEqual(await readAll(store.createReadStream(info.id)), Buffer.alloc(0));
    });

    it('refuses a Content-MD5 mismatch or a malformed one and keeps nothing', async () => {
      const store = await factory();
      await rejectsWith(store.put(chunks('hello'), { contentMd5: md5Base64(Buffer.from('other')) }), 'InvalidDigest');
      await rejectsWith(store.put(chunks('hello'), { contentMd5: 'not-a-digest' }), 'InvalidDigest');
      assert.deepEqual(await listAll(store), []);
    });

    it('refuses bodies shorter or longer than expectedSize, or over maxSize, and keeps nothing', async () => {
      const store = await factory();
      await rejectsWith(store.put(chunks('12345'), { expectedSize: 6 }), 'IncompleteBody');
      await rejectsWith(store.put(chunks('1234', '567'), { expectedSize: 6 }), 'IncompleteBody');
      await rejectsWith(store.put(chunks('1234', '567'), { maxSize: 6 }), 'EntityTooLarge');
      assert.equal((await store.put(chunks('123456'), { maxSize: 6, expectedSize: 6 })).size, 6);
      assert.equal((await listAll(store)).length, 1);
    });

    it('propagates a body error (client disconnect) and keeps nothing', async () => {
      const store = await factory();
      const disconnect = new Error('aborted');
      async function* body() {
        yield Buffer.alloc(64 * 1024, 1);
        throw disconnect;
      }
      await assert.rejects(store.put(body()), (err) => err === disconnect);
      assert.deepEqual(await listAll(store), []);
    });

    it('gives up with RequestAborted when the signal fires while the body is stalled', async () => {
      const store = await factory();
      const controller = new AbortController();
      let returned = false;
      const body: AsyncIterable<Uint8Array> = {
        [Symbol.asyncIterator]() {
          let sent = false;
          return {
            next: () => {
              if (!sent) {
                sent = true;
                setImmediate(() => controller.abort());
                return Promise.resolve({ done: false, value: Buffer.from('partial') });
              }
              return new Promise<IteratorResult<Uint8Array>>(() => {}); // a client that stopped sending
            },
            return: async () => {
              returned = true;
              return { done: true, value: undefined };
            },
          };
        },
      };
      await rejectsWith(store.put(body, { signal: controller.signal }), 'RequestAborted');
      assert.equal(returned, true, 'the body iterator is closed');
      assert.deepEqual(await listAll(store), []);
    });

    it('deletes blobs; deleting a missing blob is not an error; sweepTemp finds nothing after clean writes', async () => {
      const store = await factory();
      const a = await store.put(chunks('a'));
      const b = await store.put(chunks('b'));
      await store.delete(a.id);
      await store.delete(a.id);
      assert.deepEqual(await listAll(store), [b.id]);
      assert.equal(await store.sweepTemp(), 0);
    });

    it('streams a blob larger than one read buffer intact', async () => {
      const store = await factory();
      const data = Buffer.alloc(300_000);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff;
      const info = await store.put(chunks(data.subarray(0, 100_000), data.subarray(100_000)));
      assert.equal(info.crc64, crc64Combine(crc64(data.subarray(0, 100_000)), crc64(data.subarray(100_000)), 200_000));
      assert.deepEqual(await readAll(store.createReadStream(info.id)), data);
      assert.deepEqual(
        await readAll(store.createReadStream(info.id, { start: 65_000, end: 200_000 })),
        data.subarray(65_000, 200_001),
      );
    });

    it('reads a range into one Buffer (readRange), the same bytes as the stream', async () => {
      const store = await factory();
      const data = Buffer.alloc(300_000);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff;
      const info = await store.put(chunks(data));
      assert.deepEqual(await store.readRange(info.id, 0, data.length - 1), data);
      assert.deepEqual(await store.readRange(info.id, 65_000, 200_000), data.subarray(65_000, 200_001));
      assert.deepEqual(await store.readRange(info.id, 7, 7), data.subarray(7, 8));
      assert.deepEqual(await store.readRange(info.id, 7, 6), Buffer.alloc(0));
    });

    it('fails a read past the end of a blob instead of returning fewer bytes', async () => {
      const store = await factory();
      const info = await store.put(chunks('0123456789'));
      await assert.rejects(readAll(store.createReadStream(info.id, { start: 5, end: 10 })));
      await assert.rejects(store.readRange(info.id, 5, 10));
      assert.deepEqual(await readAll(store.createReadStream(info.id, { start: 5, end: 9 })), Buffer.from('56789'));
    });

    it('reads a blob many times and concurrently, before and after other blobs are deleted', async () => {
      const store = await factory();
      const blobs = await Promise.all(Array.from({ length: 12 }, (_, i) => store.put(chunks(`blob ${i} `.repeat(i + 1)))));
      for (let round = 0; round < 3; round++) {
        const reads = blobs.flatMap((b, i) => [
          readAll(store.createReadStream(b.id)).then((got) => assert.equal(got.toString(), `blob ${i} `.repeat(i + 1))),
          store.readRange(b.id, 0, b.size - 1).then((got) => assert.equal(got.toString(), `blob ${i} `.repeat(i + 1))),
        ]);
        await Promise.all(reads);
        await store.delete(blobs.pop()!.id);
      }
      assert.equal((await listAll(store)).length, 9);
      await store.close?.();
    });
  });
}
