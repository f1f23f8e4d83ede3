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
  /** The PutBucketCors configuration; absent when the bucket has none. */
  readonly cors?: BucketCors;
}

/** One `CORSRule` of PutBucketCors, as configured (validated by protocol/cors.ts). */
export interface CorsRule {
  /** Origins, each with at most one `*`. */
  readonly allowedOrigins: readonly string[];
  /** Upper-case: GET, PUT, DELETE, POST, HEAD. */
  readonly allowedMethods: readonly string[];
  /** Request header names, each with at most one `*`. */
  readonly allowedHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly maxAgeSeconds?: number;
}

/** A bucket's CORS configuration: up to 10 rules, tried in order, and `ResponseVary`. */
export interface BucketCors {
  readonly rules: readonly CorsRule[];
  /** Send `Vary: Origin` on every response of the bucket. */
  readonly responseVary: boolean;
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

/** Where an object is (or is to be). */
export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
}

/** What the request that creates an object decides; bytes, size, ETag, CRC-64 and type come from elsewhere. */
export type ObjectAttributes = Pick<ObjectRecord, 'acl' | 'storageClass' | 'httpHeaders' | 'userMeta' | 'tags'>;

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
  /** If set, the body must be exactly this long, else `IncompleteBody` (shorter or longer). */
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
  /**
   * Streams into a temp file, fsyncs it, renames it to a fresh blob id, fsyncs the directory.
   * An error thrown by `body` (client disconnect) propagates unchanged; `signal` aborting gives
   * RequestAborted; on any failure nothing is left behind. Chunks must not be reused by the
   * producer once yielded (Node streams never do).
   */
  put(body: AsyncIterable<Uint8Array>, options?: BlobWriteOptions): Promise<BlobInfo>;
  /**
   * Reads `[start, end]` (inclusive) of a blob; whole blob without a range. A blob that ends
   * before `end` fails the stream (an error, not a short end).
   */
  createReadStream(id: string, range?: { readonly start: number; readonly end: number }): Readable;
  /** `[start, end]` (inclusive) of a blob in one Buffer; the caller bounds its size. Rejects if the blob ends before `end`. */
  readRange(id: string, start: number, end: number): Promise<Buffer>;
  /** Removes a blob; missing blobs are not an error. */
  delete(id: string): Promise<void>;
  /** Every blob id present (for the startup sweep). */
  list(): AsyncIterable<string>;
  /** Removes leftover temp files; returns how many. */
  sweepTemp(): Promise<number>;
  /** Releases what the store keeps open between reads (Storage.close). */
  close?(): Promise<void>;
}

/** What a listing covers: the keys under `prefix`, grouped at the next `delimiter` unless it is ''. */
interface ListScope {
  readonly bucket: string;
  readonly prefix: string;
  readonly delimiter: string;
}

/** One page of a listing: what does not fit is left for the next page. */
interface ListPage {
  readonly commonPrefixes: readonly string[];
  readonly isTruncated: boolean;
}

export interface ListObjectsQuery extends ListScope {
  /**
   * Exclusive lower bound: ListObjects `marker`, V2 `start-after` or decoded continuation token.
   * A common prefix equal to `after` (a previous page's `nextAfter`) is not returned again.
   */
  readonly after: string;
  /** 1..1000 */
  readonly maxKeys: number;
}

export interface ListObjectsPage extends ListPage {
  readonly objects: readonly ObjectRecord[];
  /** The last key or common prefix returned, for NextMarker / NextContinuationToken. */
  readonly nextAfter?: string;
}

/** Identifies a multipart upload; an id that belongs to another bucket/key is `NoSuchUpload`. */
export interface UploadRef extends ObjectRef {
  readonly uploadId: string;
}

/** An InitiateMultipartUpload in progress, with the attributes the completed object gets. */
export interface MultipartUploadRecord extends UploadRef, ObjectAttributes {
  readonly initiated: number; // ms since epoch
}

/** One uploaded part. Its bytes are segments so UploadPartCopy can share blobs instead of copying. */
export interface PartRecord {
  /** 1..10000 */
  readonly partNumber: number;
  readonly size: number;
  /** Upper-case hex MD5 of the part, without quotes. */
  readonly etag: string;
  /** CRC-64/XZ of the part as an unsigned decimal string. */
  readonly crc64: string;
  readonly lastModified: number;
  readonly segments: readonly Segment[];
}

export interface ListPartsPage {
  readonly parts: readonly PartRecord[];
  readonly isTruncated: boolean;
  /** The last part number returned (NextPartNumberMarker). */
  readonly nextPartNumberMarker?: number;
}

export interface ListMultipartUploadsQuery extends ListScope {
  /** Uploads of keys after this one; with `uploadIdMarker`, also later uploads of this key. */
  readonly keyMarker: string;
  /** Ignored without `keyMarker` (as on OSS/S3). */
  readonly uploadIdMarker: string;
  /** 1..1000 */
  readonly maxUploads: number;
}

export interface ListMultipartUploadsPage extends ListPage {
  /** Ordered by key (UTF-8 bytes), then upload id (which sorts by initiation time). */
  readonly uploads: readonly MultipartUploadRecord[];
  /** The last key or common prefix returned (NextKeyMarker). */
  readonly nextKeyMarker?: string;
  /** The last upload id returned when the page ended on an upload (NextUploadIdMarker). */
  readonly nextUploadIdMarker?: string;
}

export interface CompleteMultipartUploadInput {
  /** The client's part list in ascending order, or `'all'` for `x-oss-complete-all: yes`. */
  readonly parts: readonly { readonly partNumber: number; readonly etag: string }[] | 'all';
  readonly lastModified: number;
  /** x-oss-forbid-overwrite: FileAlreadyExists when the key exists. */
  readonly forbidOverwrite?: boolean;
  /** Every part but the last must be at least this long, else EntityTooSmall (OSS: 100 KB). */
  readonly minPartSize: number;
  /** `x-oss-object-acl` sent with the Complete request; overrides the ACL given at initiation. */
  readonly acl?: ObjectAcl;
}

/** The attributes a CopyObject gives its copy; bytes, size, ETag, CRC-64 and type come from the source. */
export type CopyAttributes = ObjectAttributes;

/** One CopyObject at the metadata level: the copy shares the source's segments (no bytes copied). */
export interface CopyObjectRecordInput extends ObjectRef {
  readonly source: ObjectRef;
  /**
   * Runs inside the transaction with the source record as it is then (so a check cannot race an
   * overwrite): throws to refuse (copy-source-if-*), else returns the copy's own attributes.
   */
  readonly attributes: (source: ObjectRecord) => CopyAttributes;
  readonly lastModified: number;
  /** x-oss-forbid-overwrite: FileAlreadyExists when the destination key exists. */
  readonly ifNoneExists?: boolean;
}

/** One AppendObject call, after its bytes are durably stored. */
export interface AppendObjectInput extends ObjectRef {
  /** Must equal the current length (0 creates the object), else PositionNotEqualToLength. */
  readonly position: number;
  /** The appended bytes; absent for an empty append. */
  readonly segment?: Segment;
  /** Upper-case hex MD5 and decimal CRC-64/XZ of the appended bytes. */
  readonly md5: string;
  readonly crc64: string;
  readonly lastModified: number;
  /** Attributes of the object when this append creates it; later appends keep the existing ones. */
  readonly attributes: ObjectAttributes;
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
  /** Throws NoSuchBucket, BucketNotEmpty (objects or multipart uploads in progress). */
  deleteBucket(name: string): Promise<void>;
  setBucketAcl(name: string, acl: BucketAcl): Promise<void>;
  /** Sets the CORS configuration, or removes it with `null`. Throws NoSuchBucket. */
  setBucketCors(name: string, cors: BucketCors | null): Promise<void>;
  /** Throws NoSuchBucket. */
  bucketStat(
    name: string,
  ): Promise<{ objectCount: number; storage: number; lastModified: number; multipartUploadCount: number }>;

  getObject(bucket: string, key: string): Promise<ObjectRecord | undefined>;
  /**
   * Inserts or replaces an object. Returns the blob ids that lost their last reference
   * (the caller schedules their deletion after in-flight readers finish).
   * With `ifNoneExists` throws FileAlreadyExists when the key exists (x-oss-forbid-overwrite).
   */
  putObject(record: ObjectRecord, opts?: { ifNoneExists?: boolean }): Promise<{ orphanedBlobs: string[] }>;
  /** Returns whether it existed and the blob ids that lost their last reference. */
  deleteObject(bucket: string, key: string): Promise<{ existed: boolean; orphanedBlobs: string[] }>;
  /**
   * DeleteMultipleObjects: deletes `keys` in one transaction (one commit, not one per key).
   * Returns the keys that existed and the blob ids that lost their last reference.
   */
  deleteObjects(bucket: string, keys: readonly string[]): Promise<{ existed: string[]; orphanedBlobs: string[] }>;
  /** Sets the fields present in `patch` (`tags: undefined` removes the tags). Throws NoSuchKey. */
  updateObject(
    bucket: string,
    key: string,
    patch: Partial<Pick<ObjectRecord, 'acl' | 'tags'>>,
  ): Promise<void>;
  listObjects(query: ListObjectsQuery): Promise<ListObjectsPage>;
  /**
   * In one transaction: reads the source (NoSuchKey with `details.key`, NoSuchBucket with
   * `details.bucket` when the source is missing), calls `input.attributes`, and puts the copy
   * naming the source's segments, so the blobs gain a reference instead of being copied.
   * Returns the copy and the blobs the overwritten destination left without a reference.
   * Throws NoSuchBucket (destination bucket), FileAlreadyExists.
   */
  copyObject(input: CopyObjectRecordInput): Promise<{ record: ObjectRecord; orphanedBlobs: string[] }>;

  /**
   * Atomically checks the position (PositionNotEqualToLength with `details.nextAppendPosition`,
   * ObjectNotAppendable) and appends `input.segment`, combining the CRC-64 in the same
   * transaction. Creates an Appendable object at position 0. Throws NoSuchBucket.
   */
  appendObject(input: AppendObjectInput): Promise<ObjectRecord>;

  // ---- Multipart uploads ----
  /** Throws NoSuchBucket. */
  createMultipartUpload(upload: MultipartUploadRecord): Promise<void>;
  getMultipartUpload(ref: UploadRef): Promise<MultipartUploadRecord | undefined>;
  /**
   * Stores or replaces a part; returns the blobs of a replaced part that lost their last reference.
   * Throws NoSuchUpload. With `sharesBlobs` (UploadPartCopy: the segments slice blobs other
   * metadata references), every blob named must still be referenced when the part commits, else
   * NoSuchKey and nothing changes: a blob that lost its last reference is on its way to deletion
   * and must not be revived.
   */
  putPart(ref: UploadRef, part: PartRecord, opts?: { sharesBlobs?: boolean }): Promise<{ orphanedBlobs: string[] }>;
  /** Parts with numbers above `partNumberMarker`, ascending; `maxParts` 1..1000. Throws NoSuchUpload. */
  listParts(ref: UploadRef, opts: { partNumberMarker: number; maxParts: number }): Promise<ListPartsPage>;
  listMultipartUploads(query: ListMultipartUploadsQuery): Promise<ListMultipartUploadsPage>;
  /**
   * In one transaction: validates the part list (InvalidPart, InvalidPartOrder, EntityTooSmall),
   * puts the object as a manifest of the parts' segments (no bytes copied), removes the upload
   * and its parts. Blobs of parts left out lose their reference. On error the upload is untouched.
   * Throws NoSuchUpload, FileAlreadyExists.
   */
  completeMultipartUpload(
    ref: UploadRef,
    input: CompleteMultipartUploadInput,
  ): Promise<{ record: ObjectRecord; orphanedBlobs: string[] }>;
  /** Throws NoSuchUpload. */
  abortMultipartUpload(ref: UploadRef): Promise<{ orphanedBlobs: string[] }>;
  /** Uploads initiated before `initiatedBefore` (ms), oldest first, for expiry. */
  listStaleUploads(initiatedBefore: number, limit: number): Promise<MultipartUploadRecord[]>;

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
  /**
   * The response body for `[start, end]` (whole object without a range): a Buffer when the
   * range is at most SMALL_READ_BYTES (read at once, so a read error can still become an error
   * response), else `stream(range)`.
   */
  body(range?: { readonly start: number; readonly end: number }): Promise<Buffer | Readable>;
  /** Must be called once the response has finished or failed (idempotent). */
  release(): void;
}

export interface PutObjectInput extends ObjectRef, Partial<ObjectAttributes> {
  readonly body: AsyncIterable<Uint8Array>;
  readonly expectedSize?: number;
  /** A limit below the storage's own (PostObject `content-length-range`): EntityTooLarge while streaming. */
  readonly maxSize?: number;
  /** The body must be at least this long (PostObject `content-length-range`), else EntityTooSmall and nothing is stored. */
  readonly minSize?: number;
  readonly contentMd5?: string;
  readonly forbidOverwrite?: boolean;
  readonly signal?: AbortSignal;
}

export interface InitiateMultipartUploadInput extends ObjectRef, Partial<ObjectAttributes> {}

export interface UploadPartInput extends UploadRef {
  /** 1..10000 (the handler validates; RangeError otherwise). */
  readonly partNumber: number;
  readonly body: AsyncIterable<Uint8Array>;
  readonly expectedSize?: number;
  readonly contentMd5?: string;
  readonly signal?: AbortSignal;
}

export interface CompleteMultipartInput extends UploadRef {
  readonly parts: CompleteMultipartUploadInput['parts'];
  readonly forbidOverwrite?: boolean;
  /** Overrides the ACL given at initiation. */
  readonly acl?: ObjectAcl;
}

export interface UploadPartCopyInput extends UploadRef {
  /** 1..10000 (the handler validates; RangeError otherwise). */
  readonly partNumber: number;
  readonly source: ObjectRef;
  /**
   * Called with the source record before any byte is read: throws to refuse (copy-source-if-*,
   * symlinks), returns the inclusive byte range to copy (`x-oss-copy-source-range`) or undefined
   * for the whole object. The range must lie inside the source (RangeError otherwise).
   */
  readonly prepare?: (source: ObjectRecord) => { readonly start: number; readonly end: number } | undefined;
  readonly signal?: AbortSignal;
}

export interface CopyObjectInput extends ObjectRef {
  readonly source: ObjectRef;
  /** See `CopyObjectRecordInput.attributes`: runs in the commit transaction, may throw. */
  readonly attributes: (source: ObjectRecord) => CopyAttributes;
  readonly forbidOverwrite?: boolean;
}

export interface PutSymlinkInput extends ObjectRef, Partial<ObjectAttributes> {
  /** The target key, stored as given (OSS does not check that it exists). */
  readonly target: string;
  readonly forbidOverwrite?: boolean;
}

/** The attributes (`Partial<ObjectAttributes>`) are used only when this append creates the object. */
export interface AppendInput extends ObjectRef, Partial<ObjectAttributes> {
  readonly position: number;
  readonly body: AsyncIterable<Uint8Array>;
  readonly expectedSize?: number;
  readonly contentMd5?: string;
  readonly signal?: AbortSignal;
}

/**
 * The facade the handlers use: blob store + metadata store + reader leases + deferred blob
 * deletion + startup sweep. Handlers never touch the seams directly.
 */
export interface Storage {
  readonly metadata: MetadataStore;
  readonly blobs: BlobStore;
  /**
   * Startup recovery: sweep temp files and unreferenced blobs. Returns counts. Run before
   * serving (a blob written but not yet committed looks like a leftover); throws if writes
   * are in flight.
   */
  recover(): Promise<{ tempFiles: number; orphanBlobs: number }>;
  /** Writes the blob durably, then commits metadata; old blobs go after readers finish. */
  putObject(input: PutObjectInput): Promise<ObjectRecord>;
  /** Resolves the record and leases its blobs; undefined when the key does not exist. */
  openObject(bucket: string, key: string): Promise<ObjectReader | undefined>;
  deleteObject(bucket: string, key: string): Promise<boolean>;
  /** Deletes several keys in one metadata transaction; returns the keys that existed. */
  deleteObjects(bucket: string, keys: readonly string[]): Promise<string[]>;
  /** AppendObject: checks the position early, stores the bytes, then appends atomically. The record's size is the next position. */
  appendObject(input: AppendInput): Promise<ObjectRecord>;
  /** CopyObject: the copy names the source's blobs (reference counts grow); no byte is read or written. */
  copyObject(input: CopyObjectInput): Promise<ObjectRecord>;
  /** PutSymlink: a `Symlink` record without bytes naming its target key. */
  putSymlink(input: PutSymlinkInput): Promise<ObjectRecord>;

  initiateMultipartUpload(input: InitiateMultipartUploadInput): Promise<MultipartUploadRecord>;
  /** Stores the part's bytes, then records (or replaces) the part. */
  uploadPart(input: UploadPartInput): Promise<PartRecord>;
  /**
   * UploadPartCopy: the part's segments slice the source's blobs (no byte is written). The
   * slice is read once to compute the part's MD5 and CRC-64, unless it is a whole Normal object
   * whose ETag already is its MD5. Throws NoSuchUpload, NoSuchKey / NoSuchBucket (source),
   * EntityTooLarge (over the part size limit).
   */
  uploadPartCopy(input: UploadPartCopyInput): Promise<PartRecord>;
  /** Makes the object a manifest of the chosen parts' blobs (no copying). */
  completeMultipartUpload(input: CompleteMultipartInput): Promise<ObjectRecord>;
  abortMultipartUpload(ref: UploadRef): Promise<void>;
  /** Aborts uploads initiated more than `maxAgeMs` ago (by the injected clock); returns how many. */
  abortStaleUploads(maxAgeMs: number): Promise<number>;

  /** Waits for pending blob deletions (for tests and shutdown). */
  drain(): Promise<void>;
  close(): Promise<void>;
}
