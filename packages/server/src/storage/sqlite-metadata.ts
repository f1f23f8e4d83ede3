/**
 * MetadataStore on SQLite (better-sqlite3). better-sqlite3 is synchronous: every method runs to
 * completion inside one call, so transactions never interleave with other requests, and the
 * async interface is there for PostgreSQL.
 *
 * Durability: WAL with `synchronous=FULL` fsyncs the WAL on every commit. better-sqlite3
 * leaves SQLite's default, and in WAL mode NORMAL can lose the last committed transactions on
 * power loss: an object the client was told is stored could vanish while its blob remains.
 */
import Database from 'better-sqlite3';
import { type Clock, systemClock } from '../clock.js';
import { appendToObject, assembleMultipartObject, copyRecord } from './compose.js';
import { type RangeScan, type ScanBound, walkListing } from './listing.js';
import { MIGRATIONS } from './migrations.js';
import {
  type AppendObjectInput,
  type BucketAcl,
  type BucketCors,
  type BucketRecord,
  type CompleteMultipartUploadInput,
  type CopyObjectRecordInput,
  type ListMultipartUploadsPage,
  type ListMultipartUploadsQuery,
  type ListObjectsPage,
  type ListObjectsQuery,
  type ListPartsPage,
  type MetadataStore,
  type MultipartUploadRecord,
  type ObjectRecord,
  type PartRecord,
  type Segment,
  StorageError,
  type UploadRef,
} from './types.js';

interface BucketRow {
  name: string;
  created_at: number;
  acl: string;
  storage_class: string;
  region: string;
  owner: string;
  cors: string | null;
}

interface ObjectRow {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  crc64: string;
  last_modified: number;
  object_type: string;
  storage_class: string;
  acl: string;
  http_headers: string;
  user_meta: string;
  segments: string;
  symlink_target: string | null;
  tags: string | null;
  content_md5: string | null;
}

interface UploadRow {
  upload_id: string;
  bucket: string;
  key: string;
  initiated: number;
  acl: string;
  storage_class: string;
  http_headers: string;
  user_meta: string;
  tags: string | null;
}

interface PartRow {
  part_number: number;
  size: number;
  etag: string;
  crc64: string;
  last_modified: number;
  segments: string;
}

const OBJECT_COLUMNS = [
  'bucket',
  'key',
  'size',
  'etag',
  'crc64',
  'last_modified',
  'object_type',
  'storage_class',
  'acl',
  'http_headers',
  'user_meta',
  'segments',
  'symlink_target',
  'tags',
  'content_md5',
] as const;

const UPSERT_OBJECT = `
  INSERT INTO objects (${OBJECT_COLUMNS.join(', ')})
  VALUES (${OBJECT_COLUMNS.map((c) => `@${c}`).join(', ')})
  ON CONFLICT (bucket, key) DO UPDATE SET
  ${OBJECT_COLUMNS.slice(2)
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}`;

/** Segments are stored as `[[blobId, offset, size], ...]` to keep rows small. */
function encodeSegments(segments: readonly Segment[]): string {
  return JSON.stringify(segments.map((s) => [s.blobId, s.offset, s.size]));
}

function decodeSegments(json: string): Segment[] {
  return (JSON.parse(json) as [string, number, number][]).map(([blobId, offset, size]) => ({ blobId, offset, size }));
}

function jsonOrNull(value: object | undefined): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function toBucket(row: BucketRow): BucketRecord {
  return {
    name: row.name,
    createdAt: row.created_at,
    acl: row.acl as BucketRecord['acl'],
    storageClass: row.storage_class as BucketRecord['storageClass'],
    region: row.region,
    owner: row.owner,
    ...(row.cors ? { cors: JSON.parse(row.cors) as BucketCors } : {}),
  };
}

function toObject(row: ObjectRow): ObjectRecord {
  const record: { -readonly [K in keyof ObjectRecord]: ObjectRecord[K] } = {
    bucket: row.bucket,
    key: row.key,
    size: row.size,
    etag: row.etag,
    crc64: row.crc64,
    lastModified: row.last_modified,
    objectType: row.object_type as ObjectRecord['objectType'],
    storageClass: row.storage_class as ObjectRecord['storageClass'],
    acl: row.acl as ObjectRecord['acl'],
    httpHeaders: JSON.parse(row.http_headers),
    userMeta: JSON.parse(row.user_meta),
    segments: decodeSegments(row.segments),
  };
  if (row.symlink_target !== null) record.symlinkTarget = row.symlink_target;
  if (row.tags !== null) record.tags = JSON.parse(row.tags);
  if (row.content_md5 !== null) record.contentMd5 = row.content_md5;
  return record;
}

function objectParams(r: ObjectRecord): Record<(typeof OBJECT_COLUMNS)[number], string | number | null> {
  return {
    bucket: r.bucket,
    key: r.key,
    size: r.size,
    etag: r.etag,
    crc64: r.crc64,
    last_modified: r.lastModified,
    object_type: r.objectType,
    storage_class: r.storageClass,
    acl: r.acl,
    http_headers: JSON.stringify(r.httpHeaders),
    user_meta: JSON.stringify(r.userMeta),
    segments: encodeSegments(r.segments),
    symlink_target: r.symlinkTarget ?? null,
    tags: jsonOrNull(r.tags),
    content_md5: r.contentMd5 ?? null,
  };
}

function toUpload(row: UploadRow): MultipartUploadRecord {
  const upload: MultipartUploadRecord = {
    uploadId: row.upload_id,
    bucket: row.bucket,
    key: row.key,
    initiated: row.initiated,
    acl: row.acl as MultipartUploadRecord['acl'],
    storageClass: row.storage_class as MultipartUploadRecord['storageClass'],
    httpHeaders: JSON.parse(row.http_headers),
    userMeta: JSON.parse(row.user_meta),
  };
  return row.tags === null ? upload : { ...upload, tags: JSON.parse(row.tags) };
}

function toPart(row: PartRow): PartRecord {
  return {
    partNumber: row.part_number,
    size: row.size,
    etag: row.etag,
    crc64: row.crc64,
    lastModified: row.last_modified,
    segments: decodeSegments(row.segments),
  };
}

/** Handlers validate request parameters; out-of-range values here are bugs. */
function checkPageSize(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 1 || value > 1000) throw new RangeError(`${what} must be an integer in 1..1000`);
}

/** The comparison a scan bound turns into. */
function lowerBoundSql(column: string, bound: ScanBound): string {
  return `${column} ${bound.inclusive ? '>=' : '>'} @from`;
}

export interface SqliteMetadataOptions {
  /** Stamps `schema_migrations.applied_at`. */
  readonly clock?: Clock;
}

export class SqliteMetadataStore implements MetadataStore {
  /** Listing work, for tests that check that common prefixes are skipped by seeking. */
  readonly stats = { listQueries: 0, listRows: 0 };
  private readonly statements = new Map<string, Database.Statement>();
  private readonly transaction: Database.Transaction<(fn: () => unknown) => unknown>;

  private constructor(private readonly db: Database.Database) {
    this.transaction = db.transaction((fn: () => unknown) => fn());
  }

  /** Opens (creating if needed) the database file and applies pending migrations. */
  static async open(file: string, options: SqliteMetadataOptions = {}): Promise<SqliteMetadataStore> {
    const db = new Database(file, { timeout: 5000 });
    try {
      // Only effective while the file is new; keys must be stored as UTF-8 for BINARY to
      // compare them in UTF-8 byte order (a UTF-16 database would compare UTF-16 units).
      db.pragma("encoding = 'UTF-8'");
      if (db.pragma('encoding', { simple: true }) !== 'UTF-8') throw new Error(`${file} is not a UTF-8 database`);
      if (db.pragma('journal_mode = WAL', { simple: true }) !== 'wal') throw new Error(`${file}: WAL mode unavailable`);
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      migrate(db, options.clock ?? systemClock);
    } catch (err) {
      db.close();
      throw err;
    }
    return new SqliteMetadataStore(db);
  }

  async close(): Promise<void> {
    this.db.close();
  }

  // ---- Plumbing ----

  /** Prepared statements, cached by SQL text. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (statement === undefined) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Runs `fn` in a write transaction (BEGIN IMMEDIATE: takes the write lock up front). */
  private write<T>(fn: () => T): T {
    return this.transaction.immediate(fn) as T;
  }

  /**
   * Applies reference-count changes for segments gaining (`add`) and losing (`remove`) a
   * reference; returns the blobs whose count reached zero. Must run inside a transaction.
   */
  private adjustRefs(add: readonly Segment[], remove: readonly Segment[]): string[] {
    const delta = new Map<string, number>();
    for (const s of add) delta.set(s.blobId, (delta.get(s.blobId) ?? 0) + 1);
    for (const s of remove) delta.set(s.blobId, (delta.get(s.blobId) ?? 0) - 1);
    const orphaned: string[] = [];
    for (const [blobId, d] of delta) {
      if (d > 0) {
        this.sql(
          'INSERT INTO blob_refs (blob_id, refs) VALUES (?, ?) ON CONFLICT (blob_id) DO UPDATE SET refs = refs + excluded.refs',
        ).run(blobId, d);
      } else if (d < 0) {
        // A missing row or a negative count (CHECK) means the counts are wrong; failing the
        // transaction is safer than deleting a blob something may still reference.
        const row = this.sql('UPDATE blob_refs SET refs = refs + ? WHERE blob_id = ? RETURNING refs').get(d, blobId) as
          | { refs: number }
          | undefined;
        if (row === undefined) throw new Error(`blob_refs has no entry for ${blobId}`);
        if (row.refs === 0) {
          this.sql('DELETE FROM blob_refs WHERE blob_id = ?').run(blobId);
          orphaned.push(blobId);
        }
      }
    }
    return orphaned;
  }

  private requireBucket(name: string): void {
    if (this.sql('SELECT 1 FROM buckets WHERE name = ?').get(name) === undefined) {
      throw new StorageError('NoSuchBucket', `bucket ${name} does not exist`);
    }
  }

  private requireUpload(ref: UploadRef): MultipartUploadRecord {
    const row = this.sql('SELECT * FROM multipart_uploads WHERE upload_id = ?').get(ref.uploadId) as UploadRow | undefined;
    // An upload id presented with another bucket or key is as unknown as a made-up one.
    if (row === undefined || row.bucket !== ref.bucket || row.key !== ref.key) {
      throw new StorageError('NoSuchUpload', 'the upload does not exist or was completed or aborted');
    }
    return toUpload(row);
  }

  private objectSegments(bucket: string, key: string): Segment[] | undefined {
    const row = this.sql('SELECT segments FROM objects WHERE bucket = ? AND key = ?').get(bucket, key) as
      | { segments: string }
      | undefined;
    return row && decodeSegments(row.segments);
  }

  private readObject(bucket: string, key: string): ObjectRecord | undefined {
    const row = this.sql('SELECT * FROM objects WHERE bucket = ? AND key = ?').get(bucket, key) as ObjectRow | undefined;
    return row && toObject(row);
  }

  /** Counts the rows a listing reads; the statement is reset when the caller stops early. */
  private *countedRows<R>(rows: Iterable<unknown>): Iterable<R> {
    this.stats.listQueries++;
    for (const row of rows) {
      this.stats.listRows++;
      yield row as R;
    }
  }

  // ---- Buckets ----

  async createBucket(bucket: BucketRecord): Promise<void> {
    const { changes } = this.sql(
      `INSERT INTO buckets (name, created_at, acl, storage_class, region, owner)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
    ).run(bucket.name, bucket.createdAt, bucket.acl, bucket.storageClass, bucket.region, bucket.owner);
    if (changes === 0) throw new StorageError('BucketAlreadyExists', `bucket ${bucket.name} already exists`);
  }

  async getBucket(name: string): Promise<BucketRecord | undefined> {
    const row = this.sql('SELECT * FROM buckets WHERE name = ?').get(name) as BucketRow | undefined;
    return row && toBucket(row);
  }

  async listBuckets(opts: { prefix?: string; after?: string; maxKeys?: number } = {}): Promise<{
    buckets: BucketRecord[];
    isTruncated: boolean;
  }> {
    const maxKeys = opts.maxKeys ?? 1000;
    checkPageSize(maxKeys, 'maxKeys');
    const scan: RangeScan<BucketRow> = (from, upper, limit) =>
      this.sql(
        `SELECT * FROM buckets WHERE ${lowerBoundSql('name', from)}
         ${upper === undefined ? '' : 'AND name < @upper'} ORDER BY name LIMIT @limit`,
      ).iterate({ from: from.key, upper, limit }) as Iterable<BucketRow>;
    const page = walkListing(
      { prefix: opts.prefix ?? '', delimiter: '', after: opts.after ?? '', maxKeys },
      (row) => row.name,
      scan,
    );
    return { buckets: page.items.map(toBucket), isTruncated: page.isTruncated };
  }

  async deleteBucket(name: string): Promise<void> {
    this.write(() => {
      this.requireBucket(name);
      if (this.sql('SELECT 1 FROM objects WHERE bucket = ? LIMIT 1').get(name) !== undefined) {
        throw new StorageError('BucketNotEmpty', 'the bucket still has objects');
      }
      if (this.sql('SELECT 1 FROM multipart_uploads WHERE bucket = ? LIMIT 1').get(name) !== undefined) {
        throw new StorageError('BucketNotEmpty', 'the bucket still has multipart uploads in progress');
      }
      this.sql('DELETE FROM buckets WHERE name = ?').run(name);
    });
  }

  async setBucketAcl(name: string, acl: BucketAcl): Promise<void> {
    const { changes } = this.sql('UPDATE buckets SET acl = ? WHERE name = ?').run(acl, name);
    if (changes === 0) throw new StorageError('NoSuchBucket', `bucket ${name} does not exist`);
  }

  async setBucketCors(name: string, cors: BucketCors | null): Promise<void> {
    const { changes } = this.sql('UPDATE buckets SET cors = ? WHERE name = ?').run(cors === null ? null : JSON.stringify(cors), name);
    if (changes === 0) throw new StorageError('NoSuchBucket', `bucket ${name} does not exist`);
  }

  async bucketStat(
    name: string,
  ): Promise<{ objectCount: number; storage: number; lastModified: number; multipartUploadCount: number }> {
    this.requireBucket(name);
    const objects = this.sql(
      `SELECT COUNT(*) AS count, COALESCE(SUM(size), 0) AS storage, COALESCE(MAX(last_modified), 0) AS last_modified
       FROM objects WHERE bucket = ?`,
    ).get(name) as { count: number; storage: number; last_modified: number };
    const uploads = this.sql('SELECT COUNT(*) AS count FROM multipart_uploads WHERE bucket = ?').get(name) as {
      count: number;
    };
    return {
      objectCount: objects.count,
      storage: objects.storage,
      lastModified: objects.last_modified,
      multipartUploadCount: uploads.count,
    };
  }

  // ---- Objects ----

  async getObject(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    return this.readObject(bucket, key);
  }

  async putObject(record: ObjectRecord, opts: { ifNoneExists?: boolean } = {}): Promise<{ orphanedBlobs: string[] }> {
    return this.write(() => {
      this.requireBucket(record.bucket);
      const previous = this.objectSegments(record.bucket, record.key);
      if (previous !== undefined && opts.ifNoneExists) {
        throw new StorageError('FileAlreadyExists', `object ${record.key} already exists`);
      }
      this.sql(UPSERT_OBJECT).run(objectParams(record));
      return { orphanedBlobs: this.adjustRefs(record.segments, previous ?? []) };
    });
  }

  async deleteObject(bucket: string, key: string): Promise<{ existed: boolean; orphanedBlobs: string[] }> {
    return this.write(() => {
      const row = this.sql('DELETE FROM objects WHERE bucket = ? AND key = ? RETURNING segments').get(bucket, key) as
        | { segments: string }
        | undefined;
      if (row === undefined) return { existed: false, orphanedBlobs: [] };
      return { existed: true, orphanedBlobs: this.adjustRefs([], decodeSegments(row.segments)) };
    });
  }

  async deleteObjects(bucket: string, keys: readonly string[]): Promise<{ existed: string[]; orphanedBlobs: string[] }> {
    return this.write(() => {
      const existed: string[] = [];
      const released: Segment[] = [];
      for (const key of new Set(keys)) {
        const row = this.sql('DELETE FROM objects WHERE bucket = ? AND key = ? RETURNING segments').get(bucket, key) as
          | { segments: string }
          | undefined;
        if (row === undefined) continue;
        existed.push(key);
        released.push(...decodeSegments(row.segments));
      }
      return { existed, orphanedBlobs: this.adjustRefs([], released) };
    });
  }

  async updateObject(
    bucket: string,
    key: string,
    patch: Partial<Pick<ObjectRecord, 'acl' | 'tags'>>,
  ): Promise<void> {
    this.write(() => {
      if (this.sql('SELECT 1 FROM objects WHERE bucket = ? AND key = ?').get(bucket, key) === undefined) {
        throw new StorageError('NoSuchKey', `object ${key} does not exist`);
      }
      if ('acl' in patch && patch.acl !== undefined) {
        this.sql('UPDATE objects SET acl = ? WHERE bucket = ? AND key = ?').run(patch.acl, bucket, key);
      }
      if ('tags' in patch) {
        this.sql('UPDATE objects SET tags = ? WHERE bucket = ? AND key = ?').run(jsonOrNull(patch.tags), bucket, key);
      }
    });
  }

  async listObjects(query: ListObjectsQuery): Promise<ListObjectsPage> {
    checkPageSize(query.maxKeys, 'maxKeys');
    const scan: RangeScan<ObjectRow> = (from, upper, limit) =>
      this.countedRows(
        this.sql(
          `SELECT * FROM objects WHERE bucket = @bucket AND ${lowerBoundSql('key', from)}
           ${upper === undefined ? '' : 'AND key < @upper'} ORDER BY key LIMIT @limit`,
        ).iterate({ bucket: query.bucket, from: from.key, upper, limit }),
      );
    const page = walkListing(query, (row) => row.key, scan);
    const result = { objects: page.items.map(toObject), commonPrefixes: page.commonPrefixes, isTruncated: page.isTruncated };
    return page.nextAfter === undefined ? result : { ...result, nextAfter: page.nextAfter };
  }

  async copyObject(input: CopyObjectRecordInput): Promise<{ record: ObjectRecord; orphanedBlobs: string[] }> {
    return this.write(() => {
      const { source } = input;
      if (this.sql('SELECT 1 FROM buckets WHERE name = ?').get(source.bucket) === undefined) {
        throw new StorageError('NoSuchBucket', `bucket ${source.bucket} does not exist`, { bucket: source.bucket });
      }
      const from = this.readObject(source.bucket, source.key);
      if (from === undefined) throw new StorageError('NoSuchKey', `object ${source.key} does not exist`, { key: source.key });
      this.requireBucket(input.bucket);
      const record = copyRecord(from, input);
      const previous = this.objectSegments(input.bucket, input.key);
      if (previous !== undefined && input.ifNoneExists) {
        throw new StorageError('FileAlreadyExists', `object ${input.key} already exists`);
      }
      this.sql(UPSERT_OBJECT).run(objectParams(record));
      return { record, orphanedBlobs: this.adjustRefs(record.segments, previous ?? []) };
    });
  }

  async appendObject(input: AppendObjectInput): Promise<ObjectRecord> {
    return this.write(() => {
      this.requireBucket(input.bucket);
      const next = appendToObject(this.readObject(input.bucket, input.key), input);
      this.sql(UPSERT_OBJECT).run(objectParams(next));
      this.adjustRefs(input.segment === undefined ? [] : [input.segment], []);
      return next;
    });
  }

  // ---- Multipart uploads ----

  async createMultipartUpload(upload: MultipartUploadRecord): Promise<void> {
    this.write(() => {
      this.requireBucket(upload.bucket);
      this.sql(
        `INSERT INTO multipart_uploads (upload_id, bucket, key, initiated, acl, storage_class, http_headers, user_meta, tags)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        upload.uploadId,
        upload.bucket,
        upload.key,
        upload.initiated,
        upload.acl,
        upload.storageClass,
        JSON.stringify(upload.httpHeaders),
        JSON.stringify(upload.userMeta),
        jsonOrNull(upload.tags),
      );
    });
  }

  async getMultipartUpload(ref: UploadRef): Promise<MultipartUploadRecord | undefined> {
    const row = this.sql('SELECT * FROM multipart_uploads WHERE upload_id = ?').get(ref.uploadId) as UploadRow | undefined;
    return row !== undefined && row.bucket === ref.bucket && row.key === ref.key ? toUpload(row) : undefined;
  }

  async putPart(ref: UploadRef, part: PartRecord, opts: { sharesBlobs?: boolean } = {}): Promise<{ orphanedBlobs: string[] }> {
    return this.write(() => {
      this.requireUpload(ref);
      if (opts.sharesBlobs) {
        for (const s of part.segments) {
          if (this.sql('SELECT 1 FROM blob_refs WHERE blob_id = ?').get(s.blobId) === undefined) {
            throw new StorageError('NoSuchKey', 'the source object changed while its bytes were being copied');
          }
        }
      }
      const previous = this.sql('SELECT segments FROM multipart_parts WHERE upload_id = ? AND part_number = ?').get(
        ref.uploadId,
        part.partNumber,
      ) as { segments: string } | undefined;
      this.sql(
        `INSERT INTO multipart_parts (upload_id, part_number, size, etag, crc64, last_modified, segments)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (upload_id, part_number) DO UPDATE SET size = excluded.size, etag = excluded.etag,
           crc64 = excluded.crc64, last_modified = excluded.last_modified, segments = excluded.segments`,
      ).run(
        ref.uploadId,
        part.partNumber,
        part.size,
        part.etag,
        part.crc64,
        part.lastModified,
        encodeSegments(part.segments),
      );
      return { orphanedBlobs: this.adjustRefs(part.segments, previous ? decodeSegments(previous.segments) : []) };
    });
  }

  async listParts(ref: UploadRef, opts: { partNumberMarker: number; maxParts: number }): Promise<ListPartsPage> {
    checkPageSize(opts.maxParts, 'maxParts');
    this.requireUpload(ref);
    const rows = this.sql(
      'SELECT * FROM multipart_parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?',
    ).all(ref.uploadId, opts.partNumberMarker, opts.maxParts + 1) as PartRow[];
    const parts = rows.slice(0, opts.maxParts).map(toPart);
    const page = { parts, isTruncated: rows.length > opts.maxParts };
    const last = parts.at(-1);
    return last === undefined ? page : { ...page, nextPartNumberMarker: last.partNumber };
  }

  async listMultipartUploads(query: ListMultipartUploadsQuery): Promise<ListMultipartUploadsPage> {
    checkPageSize(query.maxUploads, 'maxUploads');
    const scan: RangeScan<UploadRow> = (from, upper, limit) => {
      // The first page position can be inside a key: its uploads after uploadIdMarker.
      const withinKey = !from.inclusive && query.keyMarker !== '' && query.uploadIdMarker !== '' && from.key === query.keyMarker;
      return this.countedRows(
        this.sql(
          `SELECT * FROM multipart_uploads WHERE bucket = @bucket
           AND ${withinKey ? '(key, upload_id) > (@from, @uploadId)' : lowerBoundSql('key', from)}
           ${upper === undefined ? '' : 'AND key < @upper'} ORDER BY key, upload_id LIMIT @limit`,
        ).iterate({
          bucket: query.bucket,
          from: from.key,
          upper,
          limit,
          ...(withinKey ? { uploadId: query.uploadIdMarker } : {}),
        }),
      );
    };
    const page = walkListing(
      { prefix: query.prefix, delimiter: query.delimiter, after: query.keyMarker, maxKeys: query.maxUploads },
      (row) => row.key,
      scan,
    );
    const lastUpload = page.items.at(-1);
    return {
      uploads: page.items.map(toUpload),
      commonPrefixes: page.commonPrefixes,
      isTruncated: page.isTruncated,
      ...(page.nextAfter === undefined ? {} : { nextKeyMarker: page.nextAfter }),
      ...(page.endedOnPrefix || lastUpload === undefined ? {} : { nextUploadIdMarker: lastUpload.upload_id }),
    };
  }

  async completeMultipartUpload(
    ref: UploadRef,
    input: CompleteMultipartUploadInput,
  ): Promise<{ record: ObjectRecord; orphanedBlobs: string[] }> {
    return this.write(() => {
      const upload = this.requireUpload(ref);
      const parts = (
        this.sql('SELECT * FROM multipart_parts WHERE upload_id = ? ORDER BY part_number').all(ref.uploadId) as PartRow[]
      ).map(toPart);
      const record = assembleMultipartObject(upload, parts, input);
      const previous = this.objectSegments(ref.bucket, ref.key);
      if (previous !== undefined && input.forbidOverwrite) {
        throw new StorageError('FileAlreadyExists', `object ${ref.key} already exists`);
      }
      this.sql(UPSERT_OBJECT).run(objectParams(record));
      this.sql('DELETE FROM multipart_parts WHERE upload_id = ?').run(ref.uploadId);
      this.sql('DELETE FROM multipart_uploads WHERE upload_id = ?').run(ref.uploadId);
      const released = [...parts.flatMap((p) => p.segments), ...(previous ?? [])];
      return { record, orphanedBlobs: this.adjustRefs(record.segments, released) };
    });
  }

  async abortMultipartUpload(ref: UploadRef): Promise<{ orphanedBlobs: string[] }> {
    return this.write(() => {
      this.requireUpload(ref);
      const parts = this.sql('DELETE FROM multipart_parts WHERE upload_id = ? RETURNING segments').all(ref.uploadId) as {
        segments: string;
      }[];
      this.sql('DELETE FROM multipart_uploads WHERE upload_id = ?').run(ref.uploadId);
      return { orphanedBlobs: this.adjustRefs([], parts.flatMap((p) => decodeSegments(p.segments))) };
    });
  }

  async listStaleUploads(initiatedBefore: number, limit: number): Promise<MultipartUploadRecord[]> {
    const rows = this.sql('SELECT * FROM multipart_uploads WHERE initiated < ? ORDER BY initiated LIMIT ?').all(
      initiatedBefore,
      limit,
    ) as UploadRow[];
    return rows.map(toUpload);
  }

  async referencedBlobs(): Promise<Set<string>> {
    const rows = this.sql('SELECT blob_id FROM blob_refs').all() as { blob_id: string }[];
    return new Set(rows.map((r) => r.blob_id));
  }
}

/** Applies the migrations newer than the database's version, each in its own transaction. */
function migrate(db: Database.Database, clock: Clock): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const current = (db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations').get() as { v: number }).v;
  const latest = MIGRATIONS.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new Error(`metadata schema version ${current} is newer than this Pail supports (${latest})`);
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, clock.now());
    }).immediate();
  }
}
