/**
 * BlobStore on the local file system.
 *
 *   <dataDir>/blobs/<2 hex>/<blob id>   immutable blobs, 256 shard directories
 *   <dataDir>/tmp/<random>.tmp          uploads in progress (swept at startup)
 *
 * Blob ids are generated here (`<12 hex ms>-<32 hex random>`) and validated before any path is
 * built, so nothing a client sends ever becomes part of a file name. Ids are never reused: a
 * rename can only create a new name, never replace bytes a reader may be streaming.
 *
 * Write order (docs/durability.md): temp file → fsync(file) → rename into its shard →
 * fsync(shard dir) [→ fsync(blobs dir) when the shard was just created] → resolve.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { type Clock, systemClock } from '../clock.js';
import { Crc64 } from './crc64.js';
import { type BlobInfo, type BlobStore, type BlobWriteOptions, StorageError } from './types.js';

const BLOB_ID = /^[0-9a-f]{12}-[0-9a-f]{32}$/;
const TEMP_NAME = /^[0-9a-f]{32}\.tmp$/;

export function isBlobId(id: string): boolean {
  return BLOB_ID.test(id);
}

function checkBlobId(id: string): void {
  if (!BLOB_ID.test(id)) throw new Error(`invalid blob id ${JSON.stringify(id)}`);
}

/** fsync on a directory persists the entries created or renamed in it. */
async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Creates `dir` if missing; returns whether it did (the caller then fsyncs the parent). */
async function ensureDir(dir: string): Promise<boolean> {
  try {
    await mkdir(dir);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  // Regular files only write short near ENOSPC, where the next call reports the error.
  for (let offset = 0; offset < chunk.length; ) {
    offset += (await handle.write(chunk, offset)).bytesWritten;
  }
}

/** Content-MD5 must be the base64 of a 16-byte digest; anything else is InvalidDigest too. */
function decodeContentMd5(contentMd5: string): Buffer {
  const digest = Buffer.from(contentMd5, 'base64');
  if (digest.length !== 16 || digest.toString('base64') !== contentMd5) {
    throw new StorageError('InvalidDigest', 'Content-MD5 is not a base64 MD5 digest');
  }
  return digest;
}

/**
 * Iterates `body` but rejects with RequestAborted as soon as `signal` fires, even while the
 * body is stalled (a client that stops sending never completes `next()`).
 */
async function* abortable(body: AsyncIterable<Uint8Array>, signal: AbortSignal | undefined): AsyncIterable<Uint8Array> {
  if (signal === undefined) {
    yield* body;
    return;
  }
  const aborted = (): StorageError => new StorageError('RequestAborted', 'the request was aborted');
  if (signal.aborted) throw aborted();
  const iterator = body[Symbol.asyncIterator]();
  let onAbort!: () => void;
  const abortPromise = new Promise<never>((_, reject) => {
    onAbort = () => reject(aborted());
  });
  abortPromise.catch(() => {}); // observed through the race below
  signal.addEventListener('abort', onAbort, { once: true });
  let done = false;
  try {
    while (true) {
      const next = await Promise.race([iterator.next(), abortPromise]);
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    // Not awaited: a stalled async generator would only settle return() after its pending next().
    if (!done) Promise.resolve(iterator.return?.()).catch(() => {});
  }
}

function mapFsError(err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new StorageError('NoSpaceLeft', 'no space left on the device');
  return err;
}

export interface FsBlobStoreOptions {
  readonly dataDir: string;
  /** Time prefix of blob ids (lets an operator see a blob's age from its name). */
  readonly clock?: Clock;
}

export class FsBlobStore implements BlobStore {
  private readonly blobsDir: string;
  private readonly tmpDir: string;
  private readonly clock: Clock;
  /** Shard directory → settles once it exists durably (concurrent writers share the mkdir). */
  private readonly shards = new Map<string, Promise<void>>();
  /** Temp files being written, which sweepTemp must leave alone. */
  private readonly activeTemps = new Set<string>();

  private constructor(options: FsBlobStoreOptions) {
    this.blobsDir = join(options.dataDir, 'blobs');
    this.tmpDir = join(options.dataDir, 'tmp');
    this.clock = options.clock ?? systemClock;
  }

  /** Creates `<dataDir>/blobs` and `<dataDir>/tmp` if needed. */
  static async open(options: FsBlobStoreOptions): Promise<FsBlobStore> {
    const store = new FsBlobStore(options);
    await mkdir(options.dataDir, { recursive: true });
    let created = await ensureDir(store.blobsDir);
    created = (await ensureDir(store.tmpDir)) || created;
    if (created) await fsyncDir(options.dataDir);
    return store;
  }

  private newBlobId(): string {
    return `${Math.floor(this.clock.now()).toString(16).padStart(12, '0')}-${randomBytes(16).toString('hex')}`;
  }

  /** The shard is taken from the random part so blobs spread evenly over the 256 directories. */
  private blobPath(id: string): { dir: string; file: string } {
    checkBlobId(id);
    const dir = join(this.blobsDir, id.slice(13, 15));
    return { dir, file: join(dir, id) };
  }

  /**
   * A new shard directory is only durable once its parent is fsynced; every writer waits for
   * that, not just the one that happened to create it.
   */
  private shardReady(dir: string): Promise<void> {
    let ready = this.shards.get(dir);
    if (ready === undefined) {
      ready = ensureDir(dir).then(async (created) => {
        if (created) await fsyncDir(this.blobsDir);
      });
      ready.catch(() => this.shards.delete(dir)); // retried by the next write
      this.shards.set(dir, ready);
    }
    return ready;
  }

  async put(body: AsyncIterable<Uint8Array>, options: BlobWriteOptions = {}): Promise<BlobInfo> {
    const { expectedSize, maxSize, signal } = options;
    const expectedMd5 = options.contentMd5 === undefined ? undefined : decodeContentMd5(options.contentMd5);
    const tempName = `${randomBytes(16).toString('hex')}.tmp`;
    const tempPath = join(this.tmpDir, tempName);
    this.activeTemps.add(tempName);
    let handle: FileHandle | undefined;
    let finalPath: string | undefined;
    // One write in flight while the next chunk is received and hashed (hashing and the write
    // syscall then overlap). The catch handler only marks it observed; it is awaited below.
    let writing: Promise<void> = Promise.resolve();
    try {
      handle = await open(tempPath, 'wx');
      const md5 = createHash('md5');
      const crc = new Crc64();
      let size = 0;
      for await (const chunk of abortable(body, signal)) {
        size += chunk.length;
        if (maxSize !== undefined && size > maxSize) {
          throw new StorageError('EntityTooLarge', `the body exceeds ${maxSize} bytes`);
        }
        if (expectedSize !== undefined && size > expectedSize) {
          throw new StorageError('IncompleteBody', `the body is longer than the declared ${expectedSize} bytes`);
        }
        md5.update(chunk);
        crc.update(chunk);
        await writing;
        writing = writeAll(handle, chunk);
        writing.catch(() => {});
      }
      await writing;
      if (expectedSize !== undefined && size < expectedSize) {
        throw new StorageError('IncompleteBody', `received ${size} of ${expectedSize} bytes`);
      }
      const digest = md5.digest();
      if (expectedMd5 !== undefined && !digest.equals(expectedMd5)) {
        throw new StorageError('InvalidDigest', 'Content-MD5 does not match the body');
      }
      await handle.sync();
      await handle.close();
      handle = undefined;

      const id = this.newBlobId();
      const { dir, file } = this.blobPath(id);
      await this.shardReady(dir);
      await rename(tempPath, file);
      finalPath = file;
      await fsyncDir(dir);
      return { id, size, md5: digest, crc64: crc.digest() };
    } catch (err) {
      await writing.catch(() => {});
      await handle?.close().catch(() => {});
      // After the rename the blob is complete but not known durable; nothing references it yet.
      await rm(finalPath ?? tempPath, { force: true }).catch(() => {});
      throw mapFsError(err);
    } finally {
      this.activeTemps.delete(tempName);
    }
  }

  createReadStream(id: string, range?: { readonly start: number; readonly end: number }): Readable {
    const { file } = this.blobPath(id);
    return range === undefined ? createReadStream(file) : createReadStream(file, { start: range.start, end: range.end });
  }

  async delete(id: string): Promise<void> {
    await rm(this.blobPath(id).file, { force: true });
  }

  async *list(): AsyncIterable<string> {
    for (const shard of await readdir(this.blobsDir)) {
      if (!/^[0-9a-f]{2}$/.test(shard)) continue;
      for (const name of await readdir(join(this.blobsDir, shard))) {
        if (BLOB_ID.test(name) && name.slice(13, 15) === shard) yield name;
      }
    }
  }

  async sweepTemp(): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.tmpDir)) {
      if (!TEMP_NAME.test(name) || this.activeTemps.has(name)) continue;
      await rm(join(this.tmpDir, name), { force: true });
      removed++;
    }
    return removed;
  }
}
