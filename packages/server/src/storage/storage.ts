/**
 * The Storage facade: blob store + metadata store + reader leases + deferred blob deletion.
 *
 * Every write is: blob durably on disk (FsBlobStore.put) → metadata commit → orphaned blobs handed
 * to the reclaimer, which deletes them once no reader can reach them. A failure before the
 * commit deletes the new blob; a crash leaves at most an unreferenced blob or temp file, which
 * `recover()` removes at the next start. See docs/durability.md.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type Clock, systemClock } from '../clock.js';
import { checkAppendPosition, sliceSegments } from './compose.js';
import { Crc64 } from './crc64.js';
import { FsBlobStore } from './fs-blob-store.js';
import { BlobReclaimer } from './reclaim.js';
import { SqliteMetadataStore } from './sqlite-metadata.js';
import {
  type AppendInput,
  type BlobInfo,
  type BlobStore,
  type BlobWriteOptions,
  type CompleteMultipartInput,
  type CopyObjectInput,
  type InitiateMultipartUploadInput,
  type MetadataStore,
  type MultipartUploadRecord,
  type ObjectReader,
  type ObjectRecord,
  type PartRecord,
  type PutObjectInput,
  type PutSymlinkInput,
  type Segment,
  type Storage,
  StorageError,
  type UploadPartCopyInput,
  type UploadPartInput,
  type UploadRef,
} from './types.js';

const GiB = 1024 ** 3;
const MAX_PART_NUMBER = 10_000;
/** How often UploadPartCopy starts over when the source is overwritten under it. */
const PART_COPY_ATTEMPTS = 3;
const PLAIN_MD5 = /^[0-9A-F]{32}$/;
/**
 * ObjectReader.body answers ranges up to this size with one Buffer: a quarter less main-thread
 * time per small GET than a stream, and no more memory per response than a stream's read-ahead
 * (FsBlobStore's 256 KiB chunk). See docs/operations.md, "Downloads".
 */
export const SMALL_READ_BYTES = 256 * 1024;

export interface StorageOptions {
  readonly clock?: Clock;
  /** PutObject and AppendObject size limit (OSS: 5 GB). */
  readonly maxObjectSize?: number;
  /** UploadPart size limit (OSS: 5 GB). */
  readonly maxPartSize?: number;
  /** Minimum size of every part but the last at CompleteMultipartUpload (OSS: 100 KB). */
  readonly minPartSize?: number;
  /** Called after a blob file is removed (orphan reclaimed or swept); instrumentation for tests. */
  readonly onBlobDeleted?: (blobId: string) => void;
}

/**
 * Opens the default local storage: `<dataDir>/meta.db` (SQLite, migrated on open) and
 * `<dataDir>/blobs`. The caller runs `recover()` before serving.
 */
export async function openStorage(options: StorageOptions & { readonly dataDir: string }): Promise<Storage> {
  const clock = options.clock ?? systemClock;
  await mkdir(options.dataDir, { recursive: true });
  const blobs = await FsBlobStore.open({ dataDir: options.dataDir, clock });
  const metadata = await SqliteMetadataStore.open(join(options.dataDir, 'meta.db'), { clock });
  return new StorageFacade(metadata, blobs, options);
}

class LeasedObject implements ObjectReader {
  constructor(
    readonly record: ObjectRecord,
    private readonly blobs: BlobStore,
    readonly release: () => void,
  ) {}

  stream(range?: { readonly start: number; readonly end: number }): Readable {
    const { size, segments } = this.record;
    const start = range?.start ?? 0;
    const end = range?.end ?? size - 1;
    if (range !== undefined && !(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end < size)) {
      throw new RangeError(`range ${start}-${end} is outside the object (${size} bytes)`);
    }
    // The common case (one blob: PutObject, a single append) is the blob stream itself, with no
    // async-iterator relay; it fails rather than ends short of `end` on a truncated blob.
    if (segments.length === 1 && segments[0]!.size === size) {
      const segment = segments[0]!;
      return this.blobs.createReadStream(segment.blobId, { start: segment.offset + start, end: segment.offset + end });
    }
    return Readable.from(this.read(start, end), { objectMode: false });
  }

  async body(range?: { readonly start: number; readonly end: number }): Promise<Buffer | Readable> {
    const { size } = this.record;
    const start = range?.start ?? 0;
    const end = range?.end ?? size - 1;
    if (end - start + 1 > SMALL_READ_BYTES) return this.stream(range);
    if (range !== undefined && !(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end < size)) {
      throw new RangeError(`range ${start}-${end} is outside the object (${size} bytes)`);
    }
    // One blob at a time, like stream(): an appended object may have thousands of tiny segments.
    const buffers: Buffer[] = [];
    for (const piece of this.pieces(start, end)) buffers.push(await this.blobs.readRange(piece.blobId, piece.start, piece.end));
    return buffers.length === 1 ? buffers[0]! : Buffer.concat(buffers, Math.max(0, end - start + 1));
  }

  /** The blob ranges holding [start, end] of the object, in order. */
  private *pieces(start: number, end: number): Generator<{ blobId: string; start: number; end: number }> {
    let offset = 0; // where the current segment starts in the object
    for (const segment of this.record.segments) {
      const segmentStart = offset;
      offset += segment.size;
      if (offset <= start) continue;
      if (segmentStart > end) break;
      const from = Math.max(start, segmentStart) - segmentStart;
      const to = Math.min(end, offset - 1) - segmentStart;
      yield { blobId: segment.blobId, start: segment.offset + from, end: segment.offset + to };
    }
  }

  /** Walks the segments overlapping [start, end], one blob open at a time. */
  private async *read(start: number, end: number): AsyncGenerator<Uint8Array> {
    for (const piece of this.pieces(start, end)) {
      let read = 0;
      for await (const chunk of this.blobs.createReadStream(piece.blobId, { start: piece.start, end: piece.end })) {
        read += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
      // A truncated blob must fail the response rather than end it short of Content-Length.
      if (read !== piece.end - piece.start + 1) throw new Error(`blob ${piece.blobId} is shorter than its metadata says`);
    }
  }
}

export class StorageFacade implements Storage {
  private readonly clock: Clock;
  private readonly maxObjectSize: number;
  private readonly maxPartSize: number;
  private readonly minPartSize: number;
  private readonly onBlobDeleted: (blobId: string) => void;
  private readonly reclaimer: BlobReclaimer;
  /** Blob writes not yet committed or discarded; recover() must not see their blobs. */
  private writesInFlight = 0;

  constructor(
    readonly metadata: MetadataStore,
    readonly blobs: BlobStore,
    options: StorageOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.maxObjectSize = options.maxObjectSize ?? 5 * GiB;
    this.maxPartSize = options.maxPartSize ?? 5 * GiB;
    this.minPartSize = options.minPartSize ?? 100 * 1024;
    this.onBlobDeleted = options.onBlobDeleted ?? (() => {});
    this.reclaimer = new BlobReclaimer((id) => blobs.delete(id), this.onBlobDeleted);
  }

  /**
   * Removes temp files and blobs no metadata references: what a crash between blob write and
   * metadata commit, or between commit and orphan deletion, leaves. Run at startup, before
   * serving: a blob written but not yet committed is indistinguishable from a leftover.
   */
  async recover(): Promise<{ tempFiles: number; orphanBlobs: number }> {
    if (this.writesInFlight > 0) throw new Error('recover() must run before the storage serves writes');
    const tempFiles = await this.blobs.sweepTemp();
    const referenced = await this.metadata.referencedBlobs();
    let orphanBlobs = 0;
    for await (const id of this.blobs.list()) {
      if (referenced.has(id) || this.reclaimer.holds(id)) continue;
      await this.blobs.delete(id);
      this.onBlobDeleted(id);
      orphanBlobs++;
    }
    return { tempFiles, orphanBlobs };
  }

  async putObject(input: PutObjectInput): Promise<ObjectRecord> {
    const { bucket, key } = input;
    // Cheap early refusals, so a doomed upload is not written first; the commit re-checks.
    await this.requireBucket(bucket);
    if (input.forbidOverwrite && (await this.metadata.getObject(bucket, key)) !== undefined) {
      throw new StorageError('FileAlreadyExists', `object ${key} already exists`);
    }
    const options = { ...blobWriteOptions(input), maxSize: Math.min(this.maxObjectSize, input.maxSize ?? Number.POSITIVE_INFINITY) };
    return this.writeThenCommit(input.body, options, async (blob, segments) => {
      if (input.minSize !== undefined && blob.size < input.minSize) {
        throw new StorageError('EntityTooSmall', `the body must be at least ${input.minSize} bytes`);
      }
      const record: ObjectRecord = {
        bucket,
        key,
        size: blob.size,
        etag: blob.md5.toString('hex').toUpperCase(),
        crc64: blob.crc64.toString(),
        lastModified: this.clock.now(),
        objectType: 'Normal',
        storageClass: input.storageClass ?? 'Standard',
        acl: input.acl ?? 'default',
        httpHeaders: input.httpHeaders ?? {},
        userMeta: input.userMeta ?? {},
        segments,
        contentMd5: blob.md5.toString('base64'),
        ...(input.tags === undefined ? {} : { tags: input.tags }),
      };
      const { orphanedBlobs } = await this.metadata.putObject(record, { ifNoneExists: input.forbidOverwrite === true });
      this.reclaimer.orphaned(orphanedBlobs);
      return record;
    });
  }

  async openObject(bucket: string, key: string): Promise<ObjectReader | undefined> {
    const endLookup = this.reclaimer.beginLookup();
    try {
      const record = await this.metadata.getObject(bucket, key);
      if (record === undefined) return undefined;
      const release = this.reclaimer.lease(record.segments.map((s) => s.blobId));
      return new LeasedObject(record, this.blobs, release);
    } finally {
      endLookup();
    }
  }

  async deleteObject(bucket: string, key: string): Promise<boolean> {
    const { existed, orphanedBlobs } = await this.metadata.deleteObject(bucket, key);
    this.reclaimer.orphaned(orphanedBlobs);
    return existed;
  }

  async deleteObjects(bucket: string, keys: readonly string[]): Promise<string[]> {
    const { existed, orphanedBlobs } = await this.metadata.deleteObjects(bucket, keys);
    this.reclaimer.orphaned(orphanedBlobs);
    return existed;
  }

  async appendObject(input: AppendInput): Promise<ObjectRecord> {
    const { bucket, key, position } = input;
    if (!Number.isSafeInteger(position) || position < 0) throw new RangeError('position must be a non-negative integer');
    await this.requireBucket(bucket);
    checkAppendPosition(await this.metadata.getObject(bucket, key), position);
    const options = { ...blobWriteOptions(input), maxSize: Math.max(0, this.maxObjectSize - position) };
    return this.writeThenCommit(input.body, options, (blob, segments) =>
      this.metadata.appendObject({
        bucket,
        key,
        position,
        segment: segments[0],
        md5: blob.md5.toString('hex').toUpperCase(),
        crc64: blob.crc64.toString(),
        lastModified: this.clock.now(),
        attributes: {
          acl: input.acl ?? 'default',
          storageClass: input.storageClass ?? 'Standard',
          httpHeaders: input.httpHeaders ?? {},
          userMeta: input.userMeta ?? {},
          ...(input.tags === undefined ? {} : { tags: input.tags }),
        },
      }),
    );
  }

  async copyObject(input: CopyObjectInput): Promise<ObjectRecord> {
    const { record, orphanedBlobs } = await this.metadata.copyObject({
      source: { bucket: input.source.bucket, key: input.source.key },
      bucket: input.bucket,
      key: input.key,
      attributes: input.attributes,
      lastModified: this.clock.now(),
      ifNoneExists: input.forbidOverwrite === true,
    });
    this.reclaimer.orphaned(orphanedBlobs);
    return record;
  }

  async putSymlink(input: PutSymlinkInput): Promise<ObjectRecord> {
    // The ETag of a symlink is not a content MD5 (it has no content): the MD5 of its target name.
    const record: ObjectRecord = {
      bucket: input.bucket,
      key: input.key,
      size: 0,
      etag: createHash('md5').update(input.target, 'utf8').digest('hex').toUpperCase(),
      crc64: '0',
      lastModified: this.clock.now(),
      objectType: 'Symlink',
      storageClass: input.storageClass ?? 'Standard',
      acl: input.acl ?? 'default',
      httpHeaders: input.httpHeaders ?? {},
      userMeta: input.userMeta ?? {},
      segments: [],
      symlinkTarget: input.target,
      ...(input.tags === undefined ? {} : { tags: input.tags }),
    };
    const { orphanedBlobs } = await this.metadata.putObject(record, { ifNoneExists: input.forbidOverwrite === true });
    this.reclaimer.orphaned(orphanedBlobs);
    return record;
  }

  async initiateMultipartUpload(input: InitiateMultipartUploadInput): Promise<MultipartUploadRecord> {
    const initiated = this.clock.now();
    const upload: MultipartUploadRecord = {
      bucket: input.bucket,
      key: input.key,
      // Time first, so a key's uploads list in initiation order (ListMultipartUploads).
      uploadId: `${Math.floor(initiated).toString(16).padStart(12, '0')}${randomBytes(10).toString('hex')}`.toUpperCase(),
      initiated,
      acl: input.acl ?? 'default',
      storageClass: input.storageClass ?? 'Standard',
      httpHeaders: input.httpHeaders ?? {},
      userMeta: input.userMeta ?? {},
      ...(input.tags === undefined ? {} : { tags: input.tags }),
    };
    await this.metadata.createMultipartUpload(upload);
    return upload;
  }

  async uploadPart(input: UploadPartInput): Promise<PartRecord> {
    const { partNumber } = input;
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
      throw new RangeError(`part number must be an integer in 1..${MAX_PART_NUMBER}`);
    }
    const ref = uploadRef(input);
    if ((await this.metadata.getMultipartUpload(ref)) === undefined) {
      throw new StorageError('NoSuchUpload', 'the upload does not exist or was completed or aborted');
    }
    const options = { ...blobWriteOptions(input), maxSize: this.maxPartSize };
    return this.writeThenCommit(input.body, options, async (blob, segments) => {
      const part: PartRecord = {
        partNumber,
        size: blob.size,
        etag: blob.md5.toString('hex').toUpperCase(),
        crc64: blob.crc64.toString(),
        lastModified: this.clock.now(),
        segments,
      };
      const { orphanedBlobs } = await this.metadata.putPart(ref, part);
      this.reclaimer.orphaned(orphanedBlobs);
      return part;
    });
  }

  /**
   * The source is read under a lease (its blobs cannot vanish while they are hashed), and the
   * part commits only if every blob it names is still referenced (`sharesBlobs`). A source
   * overwritten in between may have orphaned them: then the copy starts over from the new source.
   */
  async uploadPartCopy(input: UploadPartCopyInput): Promise<PartRecord> {
    const { partNumber } = input;
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
      throw new RangeError(`part number must be an integer in 1..${MAX_PART_NUMBER}`);
    }
    const ref = uploadRef(input);
    for (let attempt = 1; ; attempt++) {
      if ((await this.metadata.getMultipartUpload(ref)) === undefined) {
        throw new StorageError('NoSuchUpload', 'the upload does not exist or was completed or aborted');
      }
      const reader = await this.openObject(input.source.bucket, input.source.key);
      if (reader === undefined) {
        if ((await this.metadata.getBucket(input.source.bucket)) === undefined) {
          throw new StorageError('NoSuchBucket', `bucket ${input.source.bucket} does not exist`, { bucket: input.source.bucket });
        }
        throw new StorageError('NoSuchKey', `object ${input.source.key} does not exist`, { key: input.source.key });
      }
      try {
        const source = reader.record;
        const range = input.prepare?.(source);
        const start = range?.start ?? 0;
        const end = range?.end ?? source.size - 1;
        if (range !== undefined && !(Number.isSafeInteger(start) && Number.isSafeInteger(end) && 0 <= start && start <= end && end < source.size)) {
          throw new RangeError(`range ${start}-${end} is outside the source (${source.size} bytes)`);
        }
        const size = end - start + 1;
        if (size > this.maxPartSize) throw new StorageError('EntityTooLarge', `a part must not exceed ${this.maxPartSize} bytes`);
        let etag: string;
        let crc: string;
        if (range === undefined && source.objectType === 'Normal' && PLAIN_MD5.test(source.etag)) {
          etag = source.etag;
          crc = source.crc64;
        } else {
          const md5 = createHash('md5');
          const crc64 = new Crc64();
          if (size > 0) {
            for await (const chunk of reader.stream({ start, end })) {
              if (input.signal?.aborted) throw new StorageError('RequestAborted', 'the client went away');
              md5.update(chunk as Buffer);
              crc64.update(chunk as Buffer);
            }
          }
          etag = md5.digest('hex').toUpperCase();
          crc = crc64.digest().toString();
        }
        const part: PartRecord = {
          partNumber,
          size: Math.max(0, size),
          etag,
          crc64: crc,
          lastModified: this.clock.now(),
          segments: size > 0 ? sliceSegments(source.segments, start, end) : [],
        };
        try {
          const { orphanedBlobs } = await this.metadata.putPart(ref, part, { sharesBlobs: true });
          this.reclaimer.orphaned(orphanedBlobs);
          return part;
        } catch (err) {
          if (!(err instanceof StorageError && err.code === 'NoSuchKey') || attempt >= PART_COPY_ATTEMPTS) throw err;
        }
      } finally {
        reader.release();
      }
    }
  }

  async completeMultipartUpload(input: CompleteMultipartInput): Promise<ObjectRecord> {
    const { record, orphanedBlobs } = await this.metadata.completeMultipartUpload(uploadRef(input), {
      parts: input.parts,
      lastModified: this.clock.now(),
      forbidOverwrite: input.forbidOverwrite === true,
      minPartSize: this.minPartSize,
      ...(input.acl === undefined ? {} : { acl: input.acl }),
    });
    this.reclaimer.orphaned(orphanedBlobs);
    return record;
  }

  async abortMultipartUpload(ref: UploadRef): Promise<void> {
    const { orphanedBlobs } = await this.metadata.abortMultipartUpload(uploadRef(ref));
    this.reclaimer.orphaned(orphanedBlobs);
  }

  async abortStaleUploads(maxAgeMs: number): Promise<number> {
    const cutoff = this.clock.now() - maxAgeMs;
    const batch = 100;
    let aborted = 0;
    for (;;) {
      const stale = await this.metadata.listStaleUploads(cutoff, batch);
      for (const upload of stale) {
        try {
          await this.abortMultipartUpload(upload);
          aborted++;
        } catch (err) {
          // Completed or aborted by a client meanwhile.
          if (!(err instanceof StorageError && err.code === 'NoSuchUpload')) throw err;
        }
      }
      if (stale.length < batch) return aborted;
    }
  }

  drain(): Promise<void> {
    return this.reclaimer.drain();
  }

  async close(): Promise<void> {
    await this.drain();
    await this.blobs.close?.();
    await this.metadata.close();
  }

  private async requireBucket(bucket: string): Promise<void> {
    if ((await this.metadata.getBucket(bucket)) === undefined) {
      throw new StorageError('NoSuchBucket', `bucket ${bucket} does not exist`);
    }
  }

  /**
   * Writes a blob, then runs `commit` with the segments naming it (none for 0 bytes: an empty
   * object has no segments, so its empty blob is dropped). If the commit is refused with a
   * StorageError, nothing references the blob and it is deleted at once. Any other failure may
   * come after the commit took effect (e.g. a lost connection on COMMIT), so the blob is left to
   * the startup sweep rather than risk deleting referenced bytes.
   */
  private async writeThenCommit<T>(
    body: AsyncIterable<Uint8Array>,
    options: BlobWriteOptions,
    commit: (blob: BlobInfo, segments: Segment[]) => Promise<T>,
  ): Promise<T> {
    this.writesInFlight++;
    try {
      const blob = await this.blobs.put(body, options);
      if (blob.size === 0) await this.blobs.delete(blob.id);
      const segments = blob.size === 0 ? [] : [{ blobId: blob.id, offset: 0, size: blob.size }];
      try {
        return await commit(blob, segments);
      } catch (err) {
        if (err instanceof StorageError && blob.size > 0) await this.reclaimer.deleteNow(blob.id);
        throw err;
      }
    } finally {
      this.writesInFlight--;
    }
  }
}

function uploadRef(ref: UploadRef): UploadRef {
  return { bucket: ref.bucket, key: ref.key, uploadId: ref.uploadId };
}

function blobWriteOptions(input: BlobWriteOptions): BlobWriteOptions {
  return { expectedSize: input.expectedSize, contentMd5: input.contentMd5, signal: input.signal };
}
