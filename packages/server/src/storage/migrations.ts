/**
 * Metadata schema, as an append-only list of migrations (never edit one that has shipped; add the
 * next). `SqliteMetadataStore` applies the missing ones on open, each in its own transaction, and
 * records them in `schema_migrations`. The SQL sticks to what PostgreSQL also accepts, except
 * that key columns there need `COLLATE "C"` to get the UTF-8 byte order SQLite's BINARY gives.
 *
 * Layout decisions:
 * - `objects` holds the current object per (bucket, key) with its segments inline (JSON), so
 *   GetObject/HeadObject is one primary-key lookup and a listing page one index range scan.
 *   Versioning will add an `object_versions` table for noncurrent versions (and columns via
 *   ADD COLUMN), leaving this table and its lookups as they are.
 * - `blob_refs` counts references per blob from objects and parts, maintained in the same
 *   transaction as the rows, so a blob shared by CopyObject or a completed multipart object is
 *   orphaned exactly when its last reference goes.
 * - Multipart parts are rows of their own: UploadPart replaces one row, and Complete moves their
 *   segments into the object without copying bytes.
 */

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'buckets, objects, multipart uploads, blob references',
    sql: `
      CREATE TABLE buckets (
        name          TEXT    NOT NULL COLLATE BINARY PRIMARY KEY,
        created_at    INTEGER NOT NULL,
        acl           TEXT    NOT NULL,
        storage_class TEXT    NOT NULL,
        region        TEXT    NOT NULL,
        owner         TEXT    NOT NULL
      );

      CREATE TABLE objects (
        bucket         TEXT    NOT NULL REFERENCES buckets (name),
        key            TEXT    NOT NULL COLLATE BINARY,
        size           INTEGER NOT NULL,
        etag           TEXT    NOT NULL,
        crc64          TEXT    NOT NULL,
        last_modified  INTEGER NOT NULL,
        object_type    TEXT    NOT NULL,
        storage_class  TEXT    NOT NULL,
        acl            TEXT    NOT NULL,
        http_headers   TEXT    NOT NULL, -- JSON object
        user_meta      TEXT    NOT NULL, -- JSON object
        segments       TEXT    NOT NULL, -- JSON [[blobId, offset, size], ...]
        symlink_target TEXT,
        tags           TEXT,             -- JSON object
        content_md5    TEXT,
        PRIMARY KEY (bucket, key)
      );

      CREATE TABLE multipart_uploads (
        upload_id     TEXT    NOT NULL PRIMARY KEY,
        bucket        TEXT    NOT NULL REFERENCES buckets (name),
        key           TEXT    NOT NULL COLLATE BINARY,
        initiated     INTEGER NOT NULL,
        acl           TEXT    NOT NULL,
        storage_class TEXT    NOT NULL,
        http_headers  TEXT    NOT NULL,
        user_meta     TEXT    NOT NULL,
        tags          TEXT
      );
      CREATE UNIQUE INDEX multipart_uploads_by_key ON multipart_uploads (bucket, key, upload_id);
      CREATE INDEX multipart_uploads_by_age ON multipart_uploads (initiated);

      CREATE TABLE multipart_parts (
        upload_id     TEXT    NOT NULL REFERENCES multipart_uploads (upload_id),
        part_number   INTEGER NOT NULL,
        size          INTEGER NOT NULL,
        etag          TEXT    NOT NULL,
        crc64         TEXT    NOT NULL,
        last_modified INTEGER NOT NULL,
        segments      TEXT    NOT NULL,
        PRIMARY KEY (upload_id, part_number)
      );

      CREATE TABLE blob_refs (
        blob_id TEXT    NOT NULL PRIMARY KEY,
        refs    INTEGER NOT NULL CHECK (refs >= 0)
      );
    `,
  },
  {
    version: 2,
    name: 'bucket CORS configuration',
    // One JSON column (BucketCors) rather than a table: it is read with the bucket row that every
    // request already loads, so CORS headers cost no extra query on the download path.
    sql: `
      ALTER TABLE buckets ADD COLUMN cors TEXT; -- JSON BucketCors, NULL when none
    `,
  },
];
