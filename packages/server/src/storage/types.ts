/**
 * Storage contracts. Two narrow seams (metadata, blobs) plus the `Storage` facade that the
 * handlers use. Every implementation of a seam passes the shared contract suite in
 * `test/storage-contract.ts`. Write order (docs/durability.md): blob first (temp → fsync →
 * rename → fsync dir), then the metadata commit, then the response.
 *
 * Storage throws `StorageError` (domain errors, `code` named after the OSS error it becomes);
 * `errors/map.ts` is the one place that turns them into OSS errors.
 */
import type { Readable } from 'node:stream';

/** Canned ACLs (OSS names). `default` on objects means "inherit the bucket's ACL". */
export type BucketAcl = 'private' | 'public-read' | 'public-read-write';
export type ObjectAcl = BucketAcl | 'default';

export type ObjectType = 'Normal' | 'Multipart' | 'Appendable' | 'Symlink';
export type StorageClass = 'Standard' | 'IA' | 'Archive' | 'ColdArchive' | 'DeepColdArchive';

export interface BucketRecord {
  readonly name: string;
  readonly createdAt: number; // ms since epoch
  readonly acl: BucketAcl;
  readonly storageClass: StorageClass;
  readonly region: string;
  /** Access key id of the owner (root for now; RAM users later). */
  readonly owner: string;
}

/** One contiguous piece of an object's bytes: a whole blob or a slice of one. */
export interface Segment {
  readonly blobId: string;
  /** Offset into the blob (non-zero only for UploadPartCopy-style slices). */
  readonly offset: number;
  readonly size: number;
}

/** HTTP headers stored with the object and returned on GET/HEAD. */
export interface ObjectHttpHeaders {
  readonly contentType?: string;
  readonly contentDisposition?: string;
  readonly contentEncoding?: string;
  readonly contentLanguage?: string;
  readonly cacheControl?: string;
  readonly expires?: string;
}

export interface ObjectRecord {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  /** Upper-case hex MD5 (Normal) or `<HEX>-<N>` (Multipart); without quotes. */
  readonly etag: string;
  /** CRC-64/XZ (OSS `x-oss-hash-crc64ecma`) as an unsigned decimal string. */
  readonly crc64: string;
  readonly lastModified: number; // ms since epoch
  readonly objectType: ObjectType;
  readonly storageClass: StorageClass;
  readonly acl: ObjectAcl;
  readonly httpHeaders: ObjectHttpHeaders;
  /** `x-oss-meta-*` without the prefix, names lower-case, values as latin1 strings (raw octets). */
  readonly userMeta: Readonly<Record<string, string>>;
  /** Bytes, in order. Empty for a 0-byte object and for symlinks. */
  readonly segments: readonly Segment[];
  /** Symlink target key (objectType 'Symlink'). */
  readonly symlinkTarget?: string;
  /** Object tags (issue 4: tagging). */
  readonly tags?: Readonly<Record<string, string>>;
  /** Content-MD5 of a simple upload, base64 (returned as `Content-MD5`). */
  readonly contentMd5?: string;
}

/** What a successful blob write produced. */
export interface BlobInfo {
  readonly id: string;
  readonly size: number;
  /** Raw 16-byte MD5 digest. */
  readonly md5: Buffer;
  /** CRC-64/XZ of the bytes. */
  readonly crc64: bigint;
}

export interface BlobWriteOptions {
  /** If set, the body must be exactly this long, else `IncompleteBody` / `InvalidArgument`. */
  readonly expectedSize?: number;
  /** Refuse bodies longer than this (`EntityTooLarge`), checked while streaming. */
  readonly maxSize?: number;
  /** Base64 Content-MD5 to check after the last byte (`InvalidDigest` on mismatch). */
  readonly contentMd5?: string;
  readonly signal?: AbortSignal;
}

/**
 * Immutable blobs on some byte store. Blob ids are unique and never reused; nothing about the
 * object key ever reaches a file name.
 */
export interface BlobStore {
  /** Streams into a temp file, fsyncs it, renames it to a fresh blob id, fsyncs the directory. */
  put(body: AsyncIterable<Uint8Array>, options?: BlobWriteOptions): Promise<BlobInfo>;
  /** Reads `[start, end]` (inclusive) of a blob; whole blob without a range. */
  createReadStream(id: string, range?: { readonly start: number; readonly end: number }): Readable;
  /** Removes a blob; missing blobs are not an error. */
  delete(id: string): Promise<void>;
  /** Every blob id present (for the startup sweep). */
  list(): AsyncIterable<string>;
  /** Removes leftover temp files; returns how many. */
  sweepTemp(): Promise<number>;
}

export interface ListObjectsQuery {
  readonly bucket: string;
  readonly prefix: string;
  readonly delimiter: string;
  /** Exclusive lower bound: ListObjects `marker`, V2 `start-after` or decoded continuation token. */
  readonly after: string;
  /** 1..1000 */
  readonly maxKeys: number;
}

export interface ListObjectsPage {
  readonly objects: readonly ObjectRecord[];
  readonly commonPrefixes: readonly string[];
  readonly isTruncated: boolean;
  /** The last key or common prefix returned, for NextMarker / NextContinuationToken. */
  readonly nextAfter?: string;
}

/**
 * Metadata store (SQLite now, PostgreSQL later, so every method is async). Keys compare by
 * UTF-8 bytes (SQLite BINARY, PostgreSQL COLLATE "C").
 */
export interface MetadataStore {
  close(): Promise<void>;

  createBucket(bucket: BucketRecord): Promise<void>; // throws BucketAlreadyExists
  getBucket(name: string): Promise<BucketRecord | undefined>;
  listBuckets(opts?: { prefix?: string; after?: string; maxKeys?: number }): Promise<{
    buckets: BucketRecord[];
    isTruncated: boolean;
  }>;
  /** Throws NoSuchBucket, BucketNotEmpty (objects or, later, multipart uploads). */
  deleteBucket(name: string): Promise<void>;
  setBucketAcl(name: string, acl: BucketAcl): Promise<void>;
  bucketStat(name: string): Promise<{ objectCount: number; storage: number; lastModified: number }>;

  getObject(bucket: string, key: string): Promise<ObjectRecord | undefined>;
  /**
   * Inserts or replaces an object. Returns the blob ids that lost their last reference
   * (the caller schedules their deletion after in-flight readers finish).
   * With `ifNoneExists` throws FileAlreadyExists when the key exists (x-oss-forbid-overwrite).
   */
  putObject(record: ObjectRecord, opts?: { ifNoneExists?: boolean }): Promise<{ orphanedBlobs: string[] }>;
  /** Returns whether it existed and the blob ids that lost their last reference. */
  deleteObject(bucket: string, key: string): Promise<{ existed: boolean; orphanedBlobs: string[] }>;
  updateObject(
    bucket: string,
    key: string,
    patch: Partial<Pick<ObjectRecord, 'acl' | 'tags'>>,
  ): Promise<void>; // throws NoSuchKey
  listObjects(query: ListObjectsQuery): Promise<ListObjectsPage>;

  /** All blob ids referenced by any metadata (objects, multipart parts). For the sweep. */
  referencedBlobs(): Promise<Set<string>>;
}

/** Domain errors; `code` is the OSS error code the mapping turns it into. */
export type StorageErrorCode =
  | 'NoSuchBucket'
  | 'BucketAlreadyExists'
  | 'BucketNotEmpty'
  | 'NoSuchKey'
  | 'FileAlreadyExists'
  | 'InvalidDigest'
  | 'IncompleteBody'
  | 'EntityTooLarge'
  | 'RequestAborted'
  | 'NoSpaceLeft'
  | 'NoSuchUpload'
  | 'InvalidPart'
  | 'InvalidPartOrder'
  | 'EntityTooSmall'
  | 'PositionNotEqualToLength'
  | 'ObjectNotAppendable';

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message?: string,
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message ?? code);
    this.name = 'StorageError';
  }
}

/** A lease on an object's bytes: the blobs it names are not deleted until `release()`. */
export interface ObjectReader {
  readonly record: ObjectRecord;
  /** Streams `[start, end]` (inclusive) of the object, across its segments; whole object without a range. */
  stream(range?: { readonly start: number; readonly end: number }): Readable;
  /** Must be called once the response has finished or failed (idempotent). */
  release(): void;
}

export interface PutObjectInput {
  readonly bucket: string;
  readonly key: string;
  readonly body: AsyncIterable<Uint8Array>;
  readonly expectedSize?: number;
  readonly contentMd5?: string;
  readonly forbidOverwrite?: boolean;
  readonly acl?: ObjectAcl;
  readonly httpHeaders?: ObjectHttpHeaders;
  readonly userMeta?: Readonly<Record<string, string>>;
  readonly tags?: Readonly<Record<string, string>>;
  readonly storageClass?: StorageClass;
  readonly signal?: AbortSignal;
}

/**
 * The facade the handlers use: blob store + metadata store + reader leases + deferred blob
 * deletion + startup sweep. Handlers never touch the seams directly.
 */
export interface Storage {
  readonly metadata: MetadataStore;
  readonly blobs: BlobStore;
  /** Startup recovery: sweep temp files and unreferenced blobs. Returns counts. */
  recover(): Promise<{ tempFiles: number; orphanBlobs: number }>;
  /** Writes the blob durably, then commits metadata; old blobs go after readers finish. */
  putObject(input: PutObjectInput): Promise<ObjectRecord>;
  /** Resolves the record and leases its blobs; undefined when the key does not exist. */
  openObject(bucket: string, key: string): Promise<ObjectReader | undefined>;
  deleteObject(bucket: string, key: string): Promise<boolean>;
  /** Waits for pending blob deletions (for tests and shutdown). */
  drain(): Promise<void>;
  close(): Promise<void>;
}
