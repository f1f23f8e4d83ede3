/**
 * Storage layer: the shared contracts run against SQLite and the file-system blob store, then
 * what only these implementations and the facade promise (layout, PRAGMAs, seeking, leases,
 * recovery, multipart and append end to end).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { ManualClock } from '../src/clock.js';
import { crc64 } from '../src/storage/crc64.js';
import { parseDuration, startUploadExpiry } from '../src/storage/expiry.js';
import { FsBlobStore, isBlobId } from '../src/storage/fs-blob-store.js';
import { compareKeys, prefixSuccessor } from '../src/storage/listing.js';
import { MIGRATIONS } from '../src/storage/migrations.js';
import { SqliteMetadataStore } from '../src/storage/sqlite-metadata.js';
import { openStorage, SMALL_READ_BYTES, StorageFacade, type StorageOptions } from '../src/storage/storage.js';
import type { BlobStore, MetadataStore, ObjectRecord, Storage } from '../src/storage/types.js';
import {
  byteCompare,
  chunks,
  md5Base64,
  md5Hex,
  objectRecord,
  prng,
  randomKeys,
  readAll,
  rejectsWith,
  runBlobStoreContract,
  runMetadataStoreContract,
} from './storage-contract.js';

const root = mkdtempSync(join(process.env.PAIL_TEST_TMP ?? tmpdir(), 'pail-storage-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = () => join(root, `d${++dirCount}`);

runMetadataStoreContract('SqliteMetadataStore', () => SqliteMetadataStore.open(join(mkdtempSync(join(root, 'm')), 'meta.db')));
runBlobStoreContract('FsBlobStore', () => FsBlobStore.open({ dataDir: freshDir() }));

const T0 = Date.UTC(2025, 0, 1);

function bucket(name: string) {
  return { name, createdAt: T0, acl: 'private' as const, storageClass: 'Standard' as const, region: 'oss-cn-hangzhou', owner: 'root' };
}

async function listBlobs(blobs: BlobStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const id of blobs.list()) ids.push(id);
  return ids.sort();
}

/** Every file and directory name under `dir`, recursively. */
function allNames(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

interface Harness {
  readonly storage: Storage;
  readonly dataDir: string;
  readonly deleted: string[];
  readonly clock: ManualClock;
}

async function openHarness(options: Omit<StorageOptions, 'clock' | 'onBlobDeleted'> = {}, dataDir = freshDir()): Promise<Harness> {
  const deleted: string[] = [];
  const clock = new ManualClock(T0);
  const storage = await openStorage({ dataDir, clock, onBlobDeleted: (id) => deleted.push(id), ...options });
  await storage.recover();
  if ((await storage.metadata.getBucket('b')) === undefined) await storage.metadata.createBucket(bucket('b'));
  return { storage, dataDir, deleted, clock };
}

async function readObject(storage: Storage, key: string, range?: { start: number; end: number }): Promise<Buffer> {
  const reader = await storage.openObject('b', key);
  assert.ok(reader, `${key} exists`);
  try {
    return await readAll(reader.stream(range));
  } finally {
    reader.release();
  }
}

/** A body that records whether anyone started reading it. */
function watchedBody(data: string): { body: AsyncIterable<Uint8Array>; started: () => boolean } {
  let started = false;
  return {
    body: (async function* () {
      started = true;
      yield Buffer.from(data);
    })(),
    started: () => started,
  };
}

/** A body that yields `first`, then waits for `release()` before yielding `rest`. */
function gatedBody(first: string, rest: string) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    body: (async function* () {
      yield Buffer.from(first);
      await gate;
      yield Buffer.from(rest);
    })(),
    release,
  };
}

describe('key order', () => {
  it('compareKeys agrees with UTF-8 byte order; prefixSuccessor bounds exactly the keys with the prefix', () => {
    const keys = randomKeys(prng(7), 400);
    for (let i = 0; i < keys.length; i++) {
      const [a, b] = [keys[i]!, keys[(i * 7 + 3) % keys.length]!];
      assert.equal(Math.sign(compareKeys(a, b)), Math.sign(byteCompare(a, b)), `${a} vs ${b}`);
      const prefix = Array.from(a).slice(0, 2).join('');
      const successor = prefixSuccessor(prefix);
      if (successor === undefined) continue;
      assert.ok(byteCompare(prefix, successor) < 0);
      assert.equal(b.startsWith(prefix), byteCompare(b, prefix) >= 0 && byteCompare(b, successor) < 0, `${b} / ${prefix}`);
    }
    assert.equal(prefixSuccessor('a/'), 'a0');
    assert.equal(prefixSuccessor('a\u{10ffff}'), 'b');
    assert.equal(prefixSuccessor('\ud7ff'), '\ue000');
    assert.equal(prefixSuccessor('x\uffff'), 'x\u{10000}');
    assert.equal(prefixSuccessor('\u{10ffff}\u{10ffff}'), undefined);
    assert.equal(prefixSuccessor(''), undefined);
  });
});

describe('FsBlobStore', () => {
  it('lays blobs out as blobs/<2 hex>/<generated id>, never named after anything a client sends', async () => {
    const { storage, dataDir } = await openHarness();
    const record = await storage.putObject({ bucket: 'b', key: 'very-secret-key-name', body: chunks('x') });
    const id = record.segments[0]!.blobId;
    assert.ok(isBlobId(id));
    assert.ok(existsSync(join(dataDir, 'blobs', id.slice(13, 15), id)));
    assert.deepEqual(
      allNames(dataDir).filter((n) => n.includes('secret')),
      [],
    );
    await storage.close();
  });

  it('refuses ids that are not its own before building a path', async () => {
    const blobs = await FsBlobStore.open({ dataDir: freshDir() });
    assert.throws(() => blobs.createReadStream('../meta.db'), /invalid blob id/);
    await assert.rejects(blobs.delete('../../etc/passwd'), /invalid blob id/);
    await assert.rejects(blobs.delete('0123456789ab-0123456789abcdef0123456789abcdeF'), /invalid blob id/);
  });

  it('leaves no temp file behind a failed write', async () => {
    const dataDir = freshDir();
    const blobs = await FsBlobStore.open({ dataDir });
    await rejectsWith(blobs.put(chunks('abc'), { expectedSize: 5 }), 'IncompleteBody');
    await rejectsWith(blobs.put(chunks('abc'), { contentMd5: md5Base64(Buffer.from('abd')) }), 'InvalidDigest');
    await assert.rejects(
      blobs.put(
        (async function* () {
          yield Buffer.from('abc');
          throw new Error('ECONNRESET');
        })(),
      ),
      /ECONNRESET/,
    );
    assert.deepEqual(readdirSync(join(dataDir, 'tmp')), []);
    assert.deepEqual(await listBlobs(blobs), []);
  });

  it('sweepTemp removes leftovers but not a write in progress', async () => {
    const dataDir = freshDir();
    const blobs = await FsBlobStore.open({ dataDir });
    const { body, release } = gatedBody('first ', 'second');
    const writing = blobs.put(body);
    while (readdirSync(join(dataDir, 'tmp')).length === 0) await new Promise((r) => setImmediate(r));
    writeFileSync(join(dataDir, 'tmp', `${'ab'.repeat(16)}.tmp`), 'left by a crash');
    assert.equal(await blobs.sweepTemp(), 1);
    assert.equal(readdirSync(join(dataDir, 'tmp')).length, 1);
    release();
    const info = await writing;
    assert.deepEqual(await readAll(blobs.createReadStream(info.id)), Buffer.from('first second'));
    assert.deepEqual(readdirSync(join(dataDir, 'tmp')), []);
  });
});

/** Linux: the paths this process has open under `dir` (`(deleted)` marks an unlinked file). */
function openFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(join('/proc/self/fd', fd));
      if (target.startsWith(dir)) out.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return out.sort();
}

const closedSoon = () => new Promise((resolve) => setTimeout(resolve, 20)); // fs.close is asynchronous

describe('FsBlobStore read path', { skip: process.platform !== 'linux' && 'inspects /proc/self/fd' }, () => {
  it('keeps one descriptor per blob between reads, at most maxIdleFds idle; close() closes them', async () => {
    const dataDir = freshDir();
    const blobs = await FsBlobStore.open({ dataDir, maxIdleFds: 3 });
    const infos = [];
    for (let i = 0; i < 5; i++) infos.push(await blobs.put(chunks(`blob number ${i}`)));
    assert.deepEqual(openFilesUnder(dataDir), []);
    const first = infos[0]!;
    for (let i = 0; i < 4; i++) assert.equal((await readAll(blobs.createReadStream(first.id))).toString(), 'blob number 0');
    assert.equal((await blobs.readRange(first.id, 5, 10)).toString(), 'number');
    await closedSoon();
    assert.equal(openFilesUnder(dataDir).length, 1, 'five reads of one blob share one descriptor');
    for (const info of infos) await blobs.readRange(info.id, 0, info.size - 1);
    await closedSoon();
    assert.equal(openFilesUnder(dataDir).length, 3, 'least recently used idle descriptors are closed beyond maxIdleFds');
    await blobs.close();
    assert.deepEqual(openFilesUnder(dataDir), []);
  });

  it('a delete closes an idle descriptor at once, and a reading stream\'s once it ends; never leaves a deleted file open', async () => {
    const dataDir = freshDir();
    const blobs = await FsBlobStore.open({ dataDir, readChunkSize: 1000 });
    const data = Buffer.alloc(10_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 13) & 0xff;
    const idle = await blobs.put(chunks('idle'));
    const busy = await blobs.put(chunks(data));
    await blobs.readRange(idle.id, 0, 3);
    await blobs.delete(idle.id);
    await closedSoon();
    assert.deepEqual(openFilesUnder(dataDir), [], 'the idle descriptor of a deleted blob is closed');

    const iterator = blobs.createReadStream(busy.id, { start: 0, end: data.length - 1 })[Symbol.asyncIterator]();
    const received = [(await iterator.next()).value as Buffer];
    await blobs.delete(busy.id);
    assert.equal(openFilesUnder(dataDir).length, 1, 'the reading stream keeps its descriptor');
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) received.push(next.value as Buffer);
    assert.deepEqual(Buffer.concat(received), data, 'the stream finishes on the bytes it started with');
    await closedSoon();
    assert.deepEqual(openFilesUnder(dataDir), [], 'closed once the stream ended');
    await assert.rejects(blobs.readRange(busy.id, 0, 0), { code: 'ENOENT' });
  });

  it('a stream destroyed mid-read (client gone) lets go of its descriptor', async () => {
    const dataDir = freshDir();
    const blobs = await FsBlobStore.open({ dataDir, readChunkSize: 1000, maxIdleFds: 0 });
    const info = await blobs.put(chunks(Buffer.alloc(50_000, 7)));
    for (const when of ['before the first read', 'after a chunk', 'during a read']) {
      const stream = blobs.createReadStream(info.id, { start: 0, end: info.size - 1 });
      if (when === 'after a chunk') await new Promise((resolve) => stream.once('data', resolve));
      if (when === 'during a read') {
        await new Promise((resolve) => stream.once('data', resolve));
        stream.pause();
        stream.read(0); // a read is now in flight
      }
      stream.destroy();
      await new Promise((resolve) => stream.once('close', resolve));
      await closedSoon();
      assert.deepEqual(openFilesUnder(dataDir), [], when);
    }
    assert.deepEqual(await blobs.readRange(info.id, 49_990, 49_999), Buffer.alloc(10, 7));
  });

  it('reads ranges across read-chunk boundaries; a truncated blob fails the object stream and body', async () => {
    const dataDir = freshDir();
    const blobs = await FsBlobStore.open({ dataDir, readChunkSize: 7 });
    const data = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');
    const info = await blobs.put(chunks(data));
    for (const [start, end] of [[0, 35], [0, 6], [0, 7], [6, 7], [13, 30], [35, 35]] as const) {
      assert.deepEqual(await readAll(blobs.createReadStream(info.id, { start, end })), data.subarray(start, end + 1), `${start}-${end}`);
    }
    assert.deepEqual(await readAll(blobs.createReadStream(info.id)), data);

    const { storage, dataDir: dir } = await openHarness();
    const small = await storage.putObject({ bucket: 'b', key: 'small', body: chunks(data) });
    const big = await storage.putObject({ bucket: 'b', key: 'big', body: chunks(Buffer.alloc(600_000, 1)) });
    for (const record of [small, big]) {
      const id = record.segments[0]!.blobId;
      truncateSync(join(dir, 'blobs', id.slice(13, 15), id), record.size - 1);
    }
    const smallReader = (await storage.openObject('b', 'small'))!;
    await assert.rejects(smallReader.body(), /shorter/);
    smallReader.release();
    const bigReader = (await storage.openObject('b', 'big'))!;
    const body = await bigReader.body();
    assert.ok(!Buffer.isBuffer(body), 'a large object is streamed');
    await assert.rejects(readAll(body), /shorter/);
    bigReader.release();
    await storage.close();
  });
});

describe('SqliteMetadataStore', () => {
  it('opens with WAL, synchronous=FULL, foreign keys, UTF-8 and the schema version recorded', async () => {
    const file = join(mkdtempSync(join(root, 'm')), 'meta.db');
    const store = await SqliteMetadataStore.open(file);
    // Per-connection settings can only be read on the store's own connection.
    const db = (store as unknown as { db: Database.Database }).db;
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('synchronous', { simple: true }), 2); // FULL
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    assert.equal(db.pragma('encoding', { simple: true }), 'UTF-8');
    await store.createBucket(bucket('kept'));
    await store.close();

    const reopened = await SqliteMetadataStore.open(file);
    assert.ok(await reopened.getBucket('kept'));
    await reopened.close();
    const raw = new Database(file);
    // Every migration applied once, in order.
    assert.deepEqual(
      raw.prepare('SELECT version FROM schema_migrations ORDER BY version').all(),
      MIGRATIONS.map((m) => ({ version: m.version })),
    );
    raw.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from the future', 0)").run();
    raw.close();
    await assert.rejects(SqliteMetadataStore.open(file), /newer than this Pail supports/);
  });

  it('serves GetObject with one primary-key lookup and listings with index range scans', async () => {
    const store = await SqliteMetadataStore.open(join(mkdtempSync(join(root, 'm')), 'meta.db'));
    const db = (store as unknown as { db: Database.Database }).db;
    const plan = (sql: string) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
    assert.match(plan("SELECT * FROM objects WHERE bucket = 'b' AND key = 'k'"), /^SEARCH objects USING INDEX \S+ \(bucket=\? AND key=\?\)$/);
    // No "USE TEMP B-TREE FOR ORDER BY": rows come out of the index in key order.
    assert.match(
      plan("SELECT * FROM objects WHERE bucket = 'b' AND key >= 'a' AND key < 'b' ORDER BY key LIMIT 10"),
      /^SEARCH objects USING INDEX \S+ \(bucket=\? AND key>\? AND key<\?\)$/,
    );
    assert.match(
      plan("SELECT * FROM multipart_uploads WHERE bucket = 'b' AND (key, upload_id) > ('a', 'u') ORDER BY key, upload_id LIMIT 10"),
      /^SEARCH multipart_uploads USING INDEX multipart_uploads_by_key \(bucket=\? AND \(key,upload_id\)>\(\?,\?\)\)$/,
    );
    await store.close();
  });

  it('seeks past a common prefix instead of reading its 10 000 keys', async () => {
    const store = await SqliteMetadataStore.open(join(mkdtempSync(join(root, 'm')), 'meta.db'));
    await store.createBucket(bucket('b'));
    const put = (key: string) => store.putObject(objectRecord('b', key, [], { lastModified: T0 }));
    // One transaction for the bulk load: the point is the listing, not 10 000 fsyncs.
    const db = (store as unknown as { db: Database.Database }).db;
    db.transaction(() => {
      for (let i = 0; i < 10_000; i++) void put(`big/${String(i).padStart(5, '0')}`);
      for (const key of ['a', 'big0', 'c/x', 'c/y', 'd']) void put(key);
    })();

    store.stats.listQueries = 0;
    store.stats.listRows = 0;
    const page = await store.listObjects({ bucket: 'b', prefix: '', delimiter: '/', after: '', maxKeys: 1000 });
    assert.deepEqual(
      page.objects.map((o) => o.key),
      ['a', 'big0', 'd'],
    );
    assert.deepEqual(page.commonPrefixes, ['big/', 'c/']);
    assert.equal(page.isTruncated, false);
    // a, big/00000 (→ seek), big0, c/x (→ seek), d: one row per entry, one query per seek.
    assert.equal(store.stats.listRows, 5);
    assert.equal(store.stats.listQueries, 3);

    // Paging one entry at a time from inside the big prefix never walks it either.
    store.stats.listRows = 0;
    const next = await store.listObjects({ bucket: 'b', prefix: '', delimiter: '/', after: 'big/', maxKeys: 1 });
    assert.deepEqual(
      next.objects.map((o) => o.key),
      ['big0'],
    );
    assert.equal(next.isTruncated, true);
    assert.ok(store.stats.listRows <= 3, `read ${store.stats.listRows} rows`);
    await store.close();
  });
});

describe('Storage facade', () => {
  it('puts and reads objects: ETag, CRC-64, Content-MD5, ranges, 0-byte objects', async () => {
    const { storage } = await openHarness();
    const data = Buffer.from('hello, pail');
    const record = await storage.putObject({
      bucket: 'b',
      key: 'k',
      body: chunks(data),
      expectedSize: data.length,
      contentMd5: md5Base64(data),
      httpHeaders: { contentType: 'text/plain' },
      userMeta: { a: '1' },
    });
    assert.equal(record.etag, md5Hex(data));
    assert.equal(record.crc64, crc64(data).toString());
    assert.equal(record.contentMd5, md5Base64(data));
    assert.deepEqual(await storage.metadata.getObject('b', 'k'), record);
    assert.deepEqual(await readObject(storage, 'k'), data);
    assert.deepEqual(await readObject(storage, 'k', { start: 7, end: 10 }), Buffer.from('pail'));

    const empty = await storage.putObject({ bucket: 'b', key: 'dir/', body: chunks() });
    assert.equal(empty.etag, 'D41D8CD98F00B204E9800998ECF8427E');
    assert.equal(empty.crc64, '0');
    assert.deepEqual(empty.segments, []);
    assert.deepEqual(await readObject(storage, 'dir/'), Buffer.alloc(0));
    assert.equal((await listBlobs(storage.blobs)).length, 1, 'the empty body keeps no blob');
    assert.equal(await storage.openObject('b', 'missing'), undefined);
    await storage.close();
  });

  it('refuses before reading the body: missing bucket, forbidden overwrite', async () => {
    const { storage } = await openHarness();
    const missing = watchedBody('data');
    await rejectsWith(storage.putObject({ bucket: 'nope', key: 'k', body: missing.body }), 'NoSuchBucket');
    assert.equal(missing.started(), false);
    await storage.putObject({ bucket: 'b', key: 'k', body: chunks('v1') });
    const forbidden = watchedBody('v2');
    await rejectsWith(storage.putObject({ bucket: 'b', key: 'k', body: forbidden.body, forbidOverwrite: true }), 'FileAlreadyExists');
    assert.equal(forbidden.started(), false);
    assert.deepEqual(await readObject(storage, 'k'), Buffer.from('v1'));
    await storage.close();
  });

  it('stores nothing for a client that disconnects mid-body, a Content-MD5 mismatch or a short body', async () => {
    const { storage, dataDir } = await openHarness();
    const disconnect = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    await assert.rejects(
      storage.putObject({
        bucket: 'b',
        key: 'k',
        body: (async function* () {
          yield Buffer.alloc(256 * 1024, 7);
          throw disconnect;
        })(),
        expectedSize: 512 * 1024,
      }),
      (err) => err === disconnect,
    );
    await rejectsWith(storage.putObject({ bucket: 'b', key: 'k', body: chunks('abc'), contentMd5: md5Base64(Buffer.from('abd')) }), 'InvalidDigest');
    await rejectsWith(storage.putObject({ bucket: 'b', key: 'k', body: chunks('abc'), expectedSize: 4 }), 'IncompleteBody');
    assert.equal(await storage.metadata.getObject('b', 'k'), undefined);
    assert.deepEqual(await listBlobs(storage.blobs), []);
    assert.deepEqual(readdirSync(join(dataDir, 'tmp')), []);
    await storage.close();
  });

  it('keeps streaming the old bytes through an overwrite; deletes the old blob after release', async () => {
    const { storage, deleted, dataDir } = await openHarness();
    const old = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < old.length; i++) old[i] = (i * 31) & 0xff;
    const v1 = await storage.putObject({ bucket: 'b', key: 'k', body: chunks(old.subarray(0, 500_000), old.subarray(500_000)) });
    const oldBlob = v1.segments[0]!.blobId;

    const reader = await storage.openObject('b', 'k');
    assert.ok(reader);
    const iterator = reader.stream()[Symbol.asyncIterator]();
    const first = await iterator.next();
    assert.equal(first.done, false);

    await storage.putObject({ bucket: 'b', key: 'k', body: chunks('new bytes') });
    await storage.drain();
    assert.deepEqual(deleted, [], 'a leased blob is not deleted');
    assert.ok(existsSync(join(dataDir, 'blobs', oldBlob.slice(13, 15), oldBlob)));

    const received = [first.value as Buffer];
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) received.push(next.value as Buffer);
    assert.deepEqual(Buffer.concat(received), old);
    reader.release();
    reader.release(); // idempotent
    await storage.drain();
    assert.deepEqual(deleted, [oldBlob]);
    assert.ok(!existsSync(join(dataDir, 'blobs', oldBlob.slice(13, 15), oldBlob)));
    assert.deepEqual(await readObject(storage, 'k'), Buffer.from('new bytes'));
    await storage.close();
  });

  it('protects blobs between the metadata lookup and the lease', async () => {
    const dataDir = freshDir();
    mkdirSync(dataDir);
    const inner = await SqliteMetadataStore.open(join(dataDir, 'meta.db'));
    let gate: Promise<void> | undefined;
    // A metadata store that answers GetObject slowly (as a remote database may).
    const slow = new Proxy(inner, {
      get(target, prop) {
        if (prop === 'getObject') {
          return async (b: string, k: string): Promise<ObjectRecord | undefined> => {
            const record = await target.getObject(b, k);
            await gate;
            return record;
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as MetadataStore;
    const deleted: string[] = [];
    const storage = new StorageFacade(slow, await FsBlobStore.open({ dataDir }), { onBlobDeleted: (id) => deleted.push(id) });
    await storage.metadata.createBucket(bucket('b'));
    const v1 = await storage.putObject({ bucket: 'b', key: 'k', body: chunks('version one') });

    let open!: () => void;
    gate = new Promise((resolve) => {
      open = resolve;
    });
    const opening = storage.openObject('b', 'k'); // has read v1's record, not leased yet
    assert.equal(await storage.deleteObject('b', 'k'), true);
    await storage.drain();
    assert.deepEqual(deleted, []);
    open();
    const reader = await opening;
    assert.ok(reader);
    assert.deepEqual(await readAll(reader.stream()), Buffer.from('version one'));
    reader.release();
    await storage.drain();
    assert.deepEqual(deleted, [v1.segments[0]!.blobId]);
    await storage.close();
  });

  it('recover() sweeps temp files and unreferenced blobs left by a crash', async () => {
    const first = await openHarness();
    const { storage, dataDir } = first;
    await storage.putObject({ bucket: 'b', key: 'keep', body: chunks('kept') });
    // Crash after the blob write, before the metadata commit:
    const unreferenced = await storage.blobs.put(chunks('never committed'));
    // Crash after a delete's commit, before the blob was removed:
    const gone = await storage.putObject({ bucket: 'b', key: 'gone', body: chunks('deleted') });
    await storage.metadata.deleteObject('b', 'gone');
    // Crash mid-upload:
    writeFileSync(join(dataDir, 'tmp', `${'cd'.repeat(16)}.tmp`), 'partial');
    await storage.close();

    const second = await openStorage({ dataDir });
    assert.deepEqual(await second.recover(), { tempFiles: 1, orphanBlobs: 2 });
    const remaining = await listBlobs(second.blobs);
    assert.equal(remaining.length, 1);
    assert.ok(!remaining.includes(unreferenced.id) && !remaining.includes(gone.segments[0]!.blobId));
    assert.deepEqual(await readObject(second, 'keep'), Buffer.from('kept'));
    assert.deepEqual(await second.recover(), { tempFiles: 0, orphanBlobs: 0 });
    await second.close();
  });

  it('recover() refuses to run while writes are in flight', async () => {
    const { storage, dataDir } = await openHarness();
    const { body, release } = gatedBody('a', 'b');
    const writing = storage.putObject({ bucket: 'b', key: 'k', body });
    while (readdirSync(join(dataDir, 'tmp')).length === 0) await new Promise((r) => setImmediate(r));
    await assert.rejects(storage.recover(), /before the storage serves writes/);
    release();
    await writing;
    await storage.close();
  });

  it('multipart: replaces parts, completes into a manifest without copying, reads across parts', async () => {
    const { storage, deleted } = await openHarness({ minPartSize: 4 });
    const upload = await storage.initiateMultipartUpload({ bucket: 'b', key: 'mp', httpHeaders: { contentType: 'video/mp4' } });
    assert.match(upload.uploadId, /^[0-9A-F]{32}$/);
    const ref = { bucket: 'b', key: 'mp', uploadId: upload.uploadId };
    const p1 = await storage.uploadPart({ ...ref, partNumber: 1, body: chunks('1111') });
    const stale = await storage.uploadPart({ ...ref, partNumber: 2, body: chunks('xxxxx') });
    const p2 = await storage.uploadPart({ ...ref, partNumber: 2, body: chunks('22222') });
    const p3 = await storage.uploadPart({ ...ref, partNumber: 3, body: chunks('333') });
    const unused = await storage.uploadPart({ ...ref, partNumber: 4, body: chunks('4444') });
    await storage.drain();
    assert.deepEqual(deleted, [stale.segments[0]!.blobId]);
    assert.equal(p2.etag, md5Hex(Buffer.from('22222')));
    await assert.rejects(storage.uploadPart({ ...ref, partNumber: 0, body: chunks('x') }), RangeError);

    const record = await storage.completeMultipartUpload({
      ...ref,
      parts: [p1, p2, p3].map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
    });
    await storage.drain();
    assert.deepEqual(deleted, [stale.segments[0]!.blobId, unused.segments[0]!.blobId]);
    const bytes = Buffer.from('111122222333');
    assert.equal(record.objectType, 'Multipart');
    assert.match(record.etag, /^[0-9A-F]{32}-3$/);
    assert.equal(record.crc64, crc64(bytes).toString());
    assert.deepEqual(
      record.segments.map((s) => s.blobId),
      [p1, p2, p3].map((p) => p.segments[0]!.blobId),
    );
    assert.deepEqual(record.httpHeaders, { contentType: 'video/mp4' });
    assert.deepEqual(await readObject(storage, 'mp'), bytes);
    for (let start = 0; start < bytes.length; start++) {
      for (let end = start; end < bytes.length; end++) {
        assert.deepEqual(await readObject(storage, 'mp', { start, end }), bytes.subarray(start, end + 1), `${start}-${end}`);
      }
    }
    const late = watchedBody('late');
    await rejectsWith(storage.uploadPart({ ...ref, partNumber: 5, body: late.body }), 'NoSuchUpload');
    assert.equal(late.started(), false);
    await storage.close();
  });

  it('multipart: abort deletes part blobs; stale uploads expire by the injected clock; buckets with uploads stay', async () => {
    const { storage, deleted, clock } = await openHarness();
    const old = await storage.initiateMultipartUpload({ bucket: 'b', key: 'old' });
    const part = await storage.uploadPart({ ...old, partNumber: 1, body: chunks('old part') });
    clock.advance(2 * 86_400_000);
    const fresh = await storage.initiateMultipartUpload({ bucket: 'b', key: 'fresh' });
    await rejectsWith(storage.metadata.deleteBucket('b'), 'BucketNotEmpty');

    assert.equal(await storage.abortStaleUploads(86_400_000), 1);
    await storage.drain();
    assert.deepEqual(deleted, [part.segments[0]!.blobId]);
    assert.equal(await storage.metadata.getMultipartUpload(old), undefined);
    await rejectsWith(storage.metadata.deleteBucket('b'), 'BucketNotEmpty');

    const other = await storage.uploadPart({ ...fresh, partNumber: 1, body: chunks('fresh part') });
    await storage.abortMultipartUpload(fresh);
    await storage.drain();
    assert.deepEqual(deleted, [part.segments[0]!.blobId, other.segments[0]!.blobId]);
    await storage.metadata.deleteBucket('b');
    await storage.close();
  });

  it('append: grows the object, combines the CRC-64, checks the position before reading the body', async () => {
    const { storage } = await openHarness();
    const a = await storage.appendObject({ bucket: 'b', key: 'log', position: 0, body: chunks('abc'), httpHeaders: { contentType: 'text/plain' } });
    assert.equal(a.size, 3);
    const b = await storage.appendObject({ bucket: 'b', key: 'log', position: 3, body: chunks('def', 'gh') });
    assert.equal(b.size, 8);
    assert.equal(b.crc64, crc64(Buffer.from('abcdefgh')).toString());
    assert.deepEqual(b.httpHeaders, { contentType: 'text/plain' });
    assert.deepEqual(await readObject(storage, 'log'), Buffer.from('abcdefgh'));
    assert.deepEqual(await readObject(storage, 'log', { start: 2, end: 4 }), Buffer.from('cde'));

    const early = watchedBody('x');
    const err = await rejectsWith(storage.appendObject({ bucket: 'b', key: 'log', position: 5, body: early.body }), 'PositionNotEqualToLength');
    assert.equal(err.details.nextAppendPosition, '8');
    assert.equal(early.started(), false);
    await storage.putObject({ bucket: 'b', key: 'plain', body: chunks('p') });
    await rejectsWith(storage.appendObject({ bucket: 'b', key: 'plain', position: 1, body: chunks('q') }), 'ObjectNotAppendable');
    await storage.close();
  });

  it('body(): up to SMALL_READ_BYTES in one Buffer (across segments too), larger ranges streamed; same bytes as stream()', async () => {
    const { storage } = await openHarness();
    const big = Buffer.alloc(SMALL_READ_BYTES + 10);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 9)) & 0xff;
    await storage.putObject({ bucket: 'b', key: 'big', body: chunks(big) });
    await storage.appendObject({ bucket: 'b', key: 'log', position: 0, body: chunks('abc') });
    await storage.appendObject({ bucket: 'b', key: 'log', position: 3, body: chunks('defgh') });
    await storage.appendObject({ bucket: 'b', key: 'log', position: 8, body: chunks('ijk') });
    const cases: Array<[string, { start: number; end: number } | undefined, boolean, Buffer]> = [
      ['big', undefined, false, big],
      ['big', { start: 10, end: SMALL_READ_BYTES + 9 }, true, big.subarray(10, SMALL_READ_BYTES + 10)],
      ['big', { start: 9, end: SMALL_READ_BYTES + 9 }, false, big.subarray(9, SMALL_READ_BYTES + 10)],
      ['big', { start: 5, end: 5 }, true, big.subarray(5, 6)],
      ['log', undefined, true, Buffer.from('abcdefghijk')],
      ['log', { start: 2, end: 9 }, true, Buffer.from('cdefghij')],
      ['log', { start: 3, end: 7 }, true, Buffer.from('defgh')],
    ];
    for (const [key, range, buffered, expected] of cases) {
      const reader = await storage.openObject('b', key);
      assert.ok(reader);
      const body = await reader.body(range);
      assert.equal(Buffer.isBuffer(body), buffered, `${key} ${JSON.stringify(range)}`);
      assert.deepEqual(Buffer.isBuffer(body) ? body : await readAll(body), expected);
      assert.deepEqual(await readAll(reader.stream(range)), expected);
      reader.release();
    }
    const reader = (await storage.openObject('b', 'log'))!;
    await assert.rejects(reader.body({ start: 5, end: 11 }), RangeError);
    reader.release();
    await storage.close();
  });

  it('append: of two racing appends at one position, one wins and the loser leaves no blob', async () => {
    const { storage } = await openHarness();
    await storage.appendObject({ bucket: 'b', key: 'log', position: 0, body: chunks('base') });
    const one = gatedBody('one', '!');
    const two = gatedBody('two', '?');
    const first = storage.appendObject({ bucket: 'b', key: 'log', position: 4, body: one.body });
    const second = storage.appendObject({ bucket: 'b', key: 'log', position: 4, body: two.body });
    one.release();
    await first;
    two.release();
    await rejectsWith(second, 'PositionNotEqualToLength');
    await storage.drain();
    assert.deepEqual(await readObject(storage, 'log'), Buffer.from('baseone!'));
    const record = await storage.metadata.getObject('b', 'log');
    assert.deepEqual(await listBlobs(storage.blobs), record!.segments.map((s) => s.blobId).sort());
    await storage.close();
  });

  it('copy: the copy names the same blobs (no new blob file), survives the source, and blobs go with the last reference', async () => {
    const { storage, deleted } = await openHarness();
    const data = Buffer.from('copy me without copying');
    const source = await storage.putObject({ bucket: 'b', key: 'src', body: chunks(data), httpHeaders: { contentType: 'text/plain' } });
    const before = await listBlobs(storage.blobs);
    const copy = await storage.copyObject({
      source: { bucket: 'b', key: 'src' },
      bucket: 'b',
      key: 'dst',
      attributes: (s) => ({ acl: s.acl, storageClass: s.storageClass, httpHeaders: s.httpHeaders, userMeta: { c: '1' } }),
    });
    assert.deepEqual(await listBlobs(storage.blobs), before);
    assert.deepEqual(copy.segments, source.segments);
    assert.equal(copy.etag, source.etag);
    assert.equal(copy.crc64, source.crc64);
    assert.equal(copy.contentMd5, source.contentMd5);
    await storage.deleteObject('b', 'src');
    await storage.drain();
    assert.deepEqual(deleted, []);
    assert.deepEqual(await readObject(storage, 'dst'), data);
    await storage.deleteObject('b', 'dst');
    await storage.drain();
    assert.deepEqual(deleted, before);
    await storage.close();
  });

  it('upload part copy: slices the source blobs, hashes the slice, completes to the same bytes with the combined CRC', async () => {
    const { storage } = await openHarness({ minPartSize: 4 });
    const a = Buffer.from('0123456789');
    const src = await storage.putObject({ bucket: 'b', key: 'src', body: chunks(a) });
    // A multipart source too, so a slice can span two of its blobs.
    const mp = await storage.initiateMultipartUpload({ bucket: 'b', key: 'mp-src' });
    await storage.uploadPart({ ...mp, partNumber: 1, body: chunks('abcde') });
    await storage.uploadPart({ ...mp, partNumber: 2, body: chunks('fghij') });
    await storage.completeMultipartUpload({ ...mp, parts: 'all' });
    const blobsBefore = await listBlobs(storage.blobs);

    const up = await storage.initiateMultipartUpload({ bucket: 'b', key: 'dst' });
    const whole = await storage.uploadPartCopy({ ...up, partNumber: 1, source: { bucket: 'b', key: 'src' } });
    assert.equal(whole.etag, src.etag);
    assert.deepEqual(whole.segments, src.segments);
    const sliced = await storage.uploadPartCopy({ ...up, partNumber: 2, source: { bucket: 'b', key: 'mp-src' }, prepare: () => ({ start: 3, end: 7 }) });
    assert.equal(sliced.etag, md5Hex(Buffer.from('defgh')));
    assert.equal(sliced.crc64, crc64(Buffer.from('defgh')).toString());
    assert.equal(sliced.segments.length, 2);
    const tail = await storage.uploadPartCopy({ ...up, partNumber: 3, source: { bucket: 'b', key: 'src' }, prepare: () => ({ start: 8, end: 9 }) });
    assert.deepEqual(tail.segments, [{ blobId: src.segments[0]!.blobId, offset: 8, size: 2 }]);
    assert.deepEqual(await listBlobs(storage.blobs), blobsBefore, 'no blob was written');

    const record = await storage.completeMultipartUpload({ ...up, parts: 'all' });
    const expected = Buffer.from('0123456789defgh89');
    assert.deepEqual(await readObject(storage, 'dst'), expected);
    assert.equal(record.crc64, crc64(expected).toString());
    for (const [start, end] of [[8, 12], [9, 10], [14, 16]] as const) {
      assert.deepEqual(await readObject(storage, 'dst', { start, end }), expected.subarray(start, end + 1));
    }

    await assert.rejects(
      storage.uploadPartCopy({ ...up, partNumber: 1, source: { bucket: 'b', key: 'src' } }),
      (e) => e instanceof Error && (e as { code?: string }).code === 'NoSuchUpload',
    );
    const again = await storage.initiateMultipartUpload({ bucket: 'b', key: 'dst2' });
    await rejectsWith(storage.uploadPartCopy({ ...again, partNumber: 1, source: { bucket: 'b', key: 'missing' } }), 'NoSuchKey');
    await rejectsWith(storage.uploadPartCopy({ ...again, partNumber: 1, source: { bucket: 'nope', key: 'src' } }), 'NoSuchBucket');
    await assert.rejects(storage.uploadPartCopy({ ...again, partNumber: 1, source: { bucket: 'b', key: 'src' }, prepare: () => ({ start: 5, end: 10 }) }), RangeError);
    const refused = new Error('precondition failed');
    await assert.rejects(
      storage.uploadPartCopy({
        ...again,
        partNumber: 1,
        source: { bucket: 'b', key: 'src' },
        prepare: () => {
          throw refused;
        },
      }),
      (e) => e === refused,
    );
    await storage.close();
  });

  it('upload part copy: a source overwritten while it is read is copied again from its new bytes', async () => {
    const { storage, deleted } = await openHarness({ minPartSize: 1 });
    const first = await storage.putObject({ bucket: 'b', key: 'src', body: chunks('old bytes') });
    const up = await storage.initiateMultipartUpload({ bucket: 'b', key: 'dst' });
    // The overwrite lands between reading the old bytes and committing the part.
    const metadata = storage.metadata as { putPart: MetadataStore['putPart'] };
    const putPart = metadata.putPart.bind(storage.metadata);
    let raced = 0;
    metadata.putPart = async (ref, part, opts) => {
      if (opts?.sharesBlobs && raced++ === 0) await storage.putObject({ bucket: 'b', key: 'src', body: chunks('new bytes!') });
      return putPart(ref, part, opts);
    };
    let prepared = 0;
    const part = await storage.uploadPartCopy({
      ...up,
      partNumber: 1,
      source: { bucket: 'b', key: 'src' },
      prepare: (source) => {
        prepared++;
        return { start: 0, end: source.size - 1 };
      },
    });
    assert.equal(prepared, 2);
    assert.equal(part.etag, md5Hex(Buffer.from('new bytes!')));
    await storage.completeMultipartUpload({ ...up, parts: 'all' });
    assert.deepEqual(await readObject(storage, 'dst'), Buffer.from('new bytes!'));
    await storage.drain();
    assert.deepEqual(deleted, [first.segments[0]!.blobId], 'the old blob went once the copy stopped reading it');
    await storage.close();
  });

  it('putObject: maxSize refuses while streaming, minSize before the commit, and neither leaves a blob', async () => {
    const { storage } = await openHarness();
    await rejectsWith(storage.putObject({ bucket: 'b', key: 'k', body: chunks('0123456789', 'a'), maxSize: 10 }), 'EntityTooLarge');
    await rejectsWith(storage.putObject({ bucket: 'b', key: 'k', body: chunks('abc'), minSize: 4 }), 'EntityTooSmall');
    await storage.drain();
    assert.deepEqual(await listBlobs(storage.blobs), []);
    assert.equal(await storage.metadata.getObject('b', 'k'), undefined);
    await storage.putObject({ bucket: 'b', key: 'k', body: chunks('abcd'), minSize: 4, maxSize: 4 });
    assert.deepEqual(await readObject(storage, 'k'), Buffer.from('abcd'));
    await storage.close();
  });

  it('symlink: a record without bytes naming its target; overwrite orphans the previous blob', async () => {
    const { storage, deleted } = await openHarness();
    const old = await storage.putObject({ bucket: 'b', key: 'link', body: chunks('was an object') });
    const link = await storage.putSymlink({ bucket: 'b', key: 'link', target: 'dir/target.txt', httpHeaders: { contentType: 'text/plain' } });
    assert.equal(link.objectType, 'Symlink');
    assert.equal(link.symlinkTarget, 'dir/target.txt');
    assert.deepEqual(link.segments, []);
    assert.equal(link.etag, md5Hex(Buffer.from('dir/target.txt')));
    assert.deepEqual(await storage.metadata.getObject('b', 'link'), link);
    await storage.drain();
    assert.deepEqual(deleted, [old.segments[0]!.blobId]);
    await rejectsWith(storage.putSymlink({ bucket: 'b', key: 'link', target: 'x', forbidOverwrite: true }), 'FileAlreadyExists');
    await storage.close();
  });

  it('upload expiry: sweeps abort uploads older than the expiry by the injected clock', async () => {
    const { storage, clock } = await openHarness();
    const expiry = startUploadExpiry(storage, { maxAgeMs: 3_600_000, intervalMs: 3_600_000 });
    const old = await storage.initiateMultipartUpload({ bucket: 'b', key: 'old' });
    clock.advance(3_600_001);
    const fresh = await storage.initiateMultipartUpload({ bucket: 'b', key: 'fresh' });
    assert.equal(await expiry.sweep(), 1);
    assert.equal(await storage.metadata.getMultipartUpload(old), undefined);
    assert.ok(await storage.metadata.getMultipartUpload(fresh));
    await expiry.stop();
    const off = startUploadExpiry(storage, { maxAgeMs: 0 });
    clock.advance(10 * 86_400_000);
    assert.equal(await off.sweep(), 0);
    await off.stop();
    assert.deepEqual(
      ['7d', '36h', '90m', '45s', '1500ms', '600', 'off', '0', 'soon', '-1d', '1w'].map(parseDuration),
      [604_800_000, 129_600_000, 5_400_000, 45_000, 1500, 600_000, 0, 0, undefined, undefined, undefined],
    );
    await storage.close();
  });
});
