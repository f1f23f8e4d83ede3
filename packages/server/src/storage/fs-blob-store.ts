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
import { close as closeFd, open as openFd, read as readFd } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
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
  /** Read size, and the most a read stream buffers ahead of its consumer (bytes). */
  readonly readChunkSize?: number;
  /** Descriptors of blobs no stream is reading that stay open for the next read (0: none). */
  readonly maxIdleFds?: number;
}

/**
 * 256 KiB: a 64 KiB object is one read, a large one a quarter of the reads (and pushes, and
 * socket writes) of fs.createReadStream's 64 KiB; a download whose client stopped reading
 * holds one chunk here, next to what the socket buffers (docs/operations.md, "Downloads").
 */
export const DEFAULT_READ_CHUNK = 256 * 1024;
/** Well under the process's descriptor limit; every fd in use by a stream is on top. */
export const DEFAULT_MAX_IDLE_FDS = 256;

/**
 * An open blob file shared by the streams reading it. Blobs are immutable and ids never reused,
 * so a descriptor opened once serves every later read of the blob: a GET costs one positioned
 * read instead of open + read + read-to-EOF + close (the open and close were a third of the main
 * thread's time on small objects). Closed when evicted while idle, or when the blob is deleted
 * and its last reader lets go.
 */
interface OpenBlob {
  readonly id: string;
  fd: number;
  /** Settles once `fd` is open; rejects with the open error. */
  readonly ready: Promise<OpenBlob>;
  /** Streams holding the descriptor (it is not closed while > 0). */
  refs: number;
  /** The file was deleted (or failed to open): close once unreferenced, never reuse. */
  dead: boolean;
}

export class FsBlobStore implements BlobStore {
  private readonly blobsDir: string;
  private readonly tmpDir: string;
  private readonly clock: Clock;
  /** Shard directory → settles once it exists durably (concurrent writers share the mkdir). */
  private readonly shards = new Map<string, Promise<void>>();
  /** Temp files being written, which sweepTemp must leave alone. */
  private readonly activeTemps = new Set<string>();
  private readonly chunkSize: number;
  private readonly maxIdleFds: number;
  /** Blob id → its open (or opening) descriptor, while reusable. */
  private readonly fds = new Map<string, OpenBlob>();
  /** Open descriptors no stream holds, least recently used first (Map order). */
  private readonly idle = new Map<string, OpenBlob>();

  private constructor(options: FsBlobStoreOptions) {
    this.blobsDir = join(options.dataDir, 'blobs');
    this.tmpDir = join(options.dataDir, 'tmp');
    this.clock = options.clock ?? systemClock;
    this.chunkSize = options.readChunkSize ?? DEFAULT_READ_CHUNK;
    this.maxIdleFds = options.maxIdleFds ?? DEFAULT_MAX_IDLE_FDS;
    if (!(Number.isSafeInteger(this.chunkSize) && this.chunkSize > 0)) throw new RangeError('readChunkSize must be a positive integer');
    if (!(Number.isSafeInteger(this.maxIdleFds) && this.maxIdleFds >= 0)) throw new RangeError('maxIdleFds must be a non-negative integer');
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
    checkBlobId(id);
    const start = range?.start ?? 0;
    const end = range?.end ?? Number.POSITIVE_INFINITY;
    if (!(Number.isSafeInteger(start) && start >= 0 && (end === Number.POSITIVE_INFINITY || (Number.isSafeInteger(end) && end >= start - 1)))) {
      throw new RangeError(`invalid range ${start}-${end}`);
    }
    return new BlobReadStream(this, id, start, end, range !== undefined, this.chunkSize);
  }

  /**
   * `[start, end]` of a blob in one Buffer (one positioned read through the shared descriptor).
   * The caller bounds the size; a blob that ends before `end` rejects.
   */
  async readRange(id: string, start: number, end: number): Promise<Buffer> {
    checkBlobId(id);
    if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && 0 <= start && start <= end + 1)) {
      throw new RangeError(`invalid range ${start}-${end}`);
    }
    const length = end - start + 1;
    const buffer = Buffer.allocUnsafe(length);
    if (length === 0) return buffer;
    const blob = await this.acquireFd(id);
    try {
      let filled = 0;
      while (filled < length) {
        const bytesRead = await new Promise<number>((resolve, reject) =>
          readFd(blob.fd, buffer, filled, length - filled, start + filled, (err, n) => (err ? reject(err) : resolve(n))),
        );
        if (bytesRead === 0) throw new Error(`blob ${id} is shorter than ${end + 1} bytes`);
        filled += bytesRead;
      }
      return buffer;
    } finally {
      this.releaseFd(blob);
    }
  }

  /** @internal The blob's shared descriptor, held until `releaseFd`; rejects with the open error. */
  acquireFd(id: string): Promise<OpenBlob> {
    let blob = this.fds.get(id);
    if (blob === undefined) {
      const file = this.blobPath(id).file;
      let settle!: (err: NodeJS.ErrnoException | null, fd?: number) => void;
      const ready = new Promise<OpenBlob>((resolve, reject) => {
        settle = (err, fd) => {
          if (err) {
            entry.dead = true;
            if (this.fds.get(id) === entry) this.fds.delete(id);
            reject(err);
          } else {
            entry.fd = fd!;
            resolve(entry);
          }
        };
      });
      ready.catch(() => {}); // every acquirer observes it
      const entry: OpenBlob = { id, fd: -1, ready, refs: 0, dead: false };
      blob = entry;
      this.fds.set(id, entry);
      const attempt = (retry: boolean) =>
        openFd(file, 'r', (err, fd) => {
          // Out of descriptors: the idle ones are only a cache, give them back and try once more.
          if (err && retry && (err.code === 'EMFILE' || err.code === 'ENFILE') && this.idle.size > 0) {
            void this.close().then(() => attempt(false));
          } else settle(err, fd);
        });
      attempt(true);
    } else {
      this.idle.delete(id);
    }
    blob.refs++;
    const held = blob;
    return held.ready.then(undefined, (err: unknown) => {
      held.refs--;
      throw err;
    });
  }

  /** @internal Lets go of a descriptor from `acquireFd` (once, with no read in progress on it). */
  releaseFd(blob: OpenBlob): void {
    if (--blob.refs > 0) return;
    if (blob.dead || this.maxIdleFds === 0) {
      if (this.fds.get(blob.id) === blob) this.fds.delete(blob.id);
      closeFd(blob.fd, () => {});
      return;
    }
    this.idle.set(blob.id, blob);
    if (this.idle.size > this.maxIdleFds) {
      const [oldest] = this.idle.values();
      this.idle.delete(oldest!.id);
      this.fds.delete(oldest!.id);
      closeFd(oldest!.fd, () => {});
    }
  }

  async delete(id: string): Promise<void> {
    const { file } = this.blobPath(id);
    await this.forgetFd(id);
    await rm(file, { force: true });
    // A read that opened the file while it was being removed must not keep it cached.
    await this.forgetFd(id);
  }

  /** The blob's descriptor is never reused; closed now if unheld, else by its last reader. */
  private async forgetFd(id: string): Promise<void> {
    const blob = this.fds.get(id);
    if (blob === undefined) return;
    this.fds.delete(id);
    this.idle.delete(id);
    blob.dead = true;
    if (blob.refs > 0) return; // streams still reading keep it (and, on POSIX, the bytes)
    await blob.ready.then(
      () => new Promise<void>((resolve) => closeFd(blob.fd, () => resolve())),
      () => {},
    );
  }

  /** Closes the idle descriptors; streams still open close theirs when they end. */
  async close(): Promise<void> {
    const idle = [...this.idle.values()];
    this.idle.clear();
    for (const blob of idle) this.fds.delete(blob.id);
    await Promise.all(idle.map((blob) => new Promise<void>((resolve) => closeFd(blob.fd, () => resolve()))));
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

/**
 * Reads `[start, end]` of a blob through its shared descriptor with positioned reads of up to
 * `chunkSize` bytes, each pushed as it is (no copy, no per-chunk closure beyond the read
 * callback). Backpressure is the Readable's: with highWaterMark = chunkSize, at most one chunk
 * is read ahead of a consumer that stopped. A bounded range that ends early (the file is shorter
 * than the metadata says) fails the stream instead of ending it short of its Content-Length.
 */
class BlobReadStream extends Readable {
  private blob: OpenBlob | undefined;
  private position: number;
  /** A read is in flight: the descriptor must not be released (it could be closed and reused). */
  private reading = false;
  /** _destroy ran during a read; release once it returns. */
  private releaseAfterRead = false;

  constructor(
    private readonly store: FsBlobStore,
    private readonly id: string,
    start: number,
    private readonly end: number,
    private readonly bounded: boolean,
    private readonly chunkSize: number,
  ) {
    super({ highWaterMark: chunkSize });
    this.position = start;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    this.store.acquireFd(this.id).then(
      (blob) => {
        this.blob = blob;
        callback();
      },
      (err: Error) => callback(err),
    );
  }

  override _read(): void {
    const remaining = this.end - this.position + 1;
    if (remaining <= 0) {
      this.push(null);
      return;
    }
    const length = Math.min(remaining, this.chunkSize);
    const buffer = Buffer.allocUnsafe(length);
    const fd = this.blob!.fd;
    this.reading = true;
    readFd(fd, buffer, 0, length, this.position, (err, bytesRead) => {
      this.reading = false;
      if (this.releaseAfterRead) {
        this.releaseAfterRead = false;
        this.releaseBlob();
        return;
      }
      if (err) {
        this.destroy(err);
      } else if (bytesRead === 0) {
        if (this.bounded) this.destroy(new Error(`blob ${this.id} is shorter than ${this.end + 1} bytes`));
        else this.push(null);
      } else {
        this.position += bytesRead;
        this.push(bytesRead === length ? buffer : buffer.subarray(0, bytesRead));
        if (this.position > this.end) this.push(null);
      }
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.reading) this.releaseAfterRead = true;
    else this.releaseBlob();
    callback(error);
  }

  private releaseBlob(): void {
    const blob = this.blob;
    this.blob = undefined;
    if (blob !== undefined) this.store.releaseFd(blob);
  }
}
