/**
 * Objects composed from pieces: CompleteMultipartUpload, AppendObject, CopyObject and
 * UploadPartCopy slices. Pure functions that every
 * MetadataStore calls inside its transaction, so the rules live in one place and are checked
 * against the rows the transaction sees, never against a stale read.
 */
import { createHash } from 'node:crypto';
import { crc64Combine } from './crc64.js';
import {
  type AppendObjectInput,
  type CompleteMultipartUploadInput,
  type CopyObjectRecordInput,
  type MultipartUploadRecord,
  type ObjectRecord,
  type PartRecord,
  type Segment,
  StorageError,
} from './types.js';

/** Clients send part ETags quoted or not, in any case. */
function normalizeEtag(etag: string): string {
  const bare = etag.length >= 2 && etag.startsWith('"') && etag.endsWith('"') ? etag.slice(1, -1) : etag;
  return bare.toUpperCase();
}

/** `tags` stays absent rather than `undefined`, so records compare equal after a round trip. */
function withTags<T extends object>(record: T, tags: Readonly<Record<string, string>> | undefined): T {
  return tags === undefined ? record : { ...record, tags };
}

/**
 * The object a CompleteMultipartUpload produces from the upload's parts (`uploaded`, ascending).
 * ETag = MD5 of the concatenated binary part MD5s + `-<count>` (what OSS and S3 return); the
 * CRC-64 is combined from the part CRCs, so no byte is read again.
 */
export function assembleMultipartObject(
  upload: MultipartUploadRecord,
  uploaded: readonly PartRecord[],
  input: CompleteMultipartUploadInput,
): ObjectRecord {
  let chosen: readonly PartRecord[];
  if (input.parts === 'all') {
    chosen = uploaded;
  } else {
    const byNumber = new Map(uploaded.map((p) => [p.partNumber, p]));
    const picked: PartRecord[] = [];
    let previous = 0;
    for (const { partNumber, etag } of input.parts) {
      if (partNumber <= previous) {
        throw new StorageError('InvalidPartOrder', 'parts must be listed in ascending order', {
          partNumber: String(partNumber),
        });
      }
      previous = partNumber;
      const part = byNumber.get(partNumber);
      if (part === undefined || part.etag !== normalizeEtag(etag)) {
        throw new StorageError('InvalidPart', `part ${partNumber} was not uploaded or its ETag differs`, {
          partNumber: String(partNumber),
        });
      }
      picked.push(part);
    }
    chosen = picked;
  }
  if (chosen.length === 0) throw new StorageError('InvalidPart', 'no parts to complete');
  for (const part of chosen.slice(0, -1)) {
    if (part.size < input.minPartSize) {
      throw new StorageError('EntityTooSmall', `part ${part.partNumber} is smaller than ${input.minPartSize} bytes`, {
        partNumber: String(part.partNumber),
      });
    }
  }

  const md5s = createHash('md5');
  let size = 0;
  let crc = 0n;
  for (const part of chosen) {
    md5s.update(Buffer.from(part.etag, 'hex'));
    crc = size === 0 ? BigInt(part.crc64) : crc64Combine(crc, BigInt(part.crc64), part.size);
    size += part.size;
  }
  return withTags(
    {
      bucket: upload.bucket,
      key: upload.key,
      size,
      etag: `${md5s.digest('hex').toUpperCase()}-${chosen.length}`,
      crc64: crc.toString(),
      lastModified: input.lastModified,
      objectType: 'Multipart' as const,
      storageClass: upload.storageClass,
      acl: input.acl ?? upload.acl,
      httpHeaders: upload.httpHeaders,
      userMeta: upload.userMeta,
      segments: chosen.flatMap((p) => p.segments),
    },
    upload.tags,
  );
}

/** AppendObject preconditions: ObjectNotAppendable, PositionNotEqualToLength (with the length). */
export function checkAppendPosition(current: ObjectRecord | undefined, position: number): void {
  if (current !== undefined && current.objectType !== 'Appendable') {
    throw new StorageError('ObjectNotAppendable', 'the object is not an appendable object');
  }
  const length = current?.size ?? 0;
  if (position !== length) {
    throw new StorageError('PositionNotEqualToLength', 'position is not equal to the object length', {
      nextAppendPosition: String(length),
    });
  }
}

/**
 * The object after one AppendObject on `current` (undefined when the key does not exist).
 * The ETag of an Appendable object is not a content MD5 (nor is it on OSS): it chains the
 * previous ETag with the appended bytes' MD5, so it changes on every append at O(1) cost.
 */
export function appendToObject(current: ObjectRecord | undefined, input: AppendObjectInput): ObjectRecord {
  checkAppendPosition(current, input.position);
  const length = current?.size ?? 0;
  const size = input.segment?.size ?? 0;
  const [previousDigest = '', previousCount = '0'] = current?.etag.split('-') ?? [];
  const etagDigest = createHash('md5')
    .update(Buffer.from(previousDigest, 'hex'))
    .update(Buffer.from(input.md5, 'hex'))
    .digest('hex')
    .toUpperCase();
  const base = current ?? { ...input.attributes, bucket: input.bucket, key: input.key };
  return withTags(
    {
      bucket: base.bucket,
      key: base.key,
      size: length + size,
      etag: `${etagDigest}-${Number(previousCount) + 1}`,
      crc64: current === undefined ? input.crc64 : crc64Combine(BigInt(current.crc64), BigInt(input.crc64), size).toString(),
      lastModified: input.lastModified,
      objectType: 'Appendable' as const,
      storageClass: base.storageClass,
      acl: base.acl,
      httpHeaders: base.httpHeaders,
      userMeta: base.userMeta,
      segments: input.segment === undefined ? (current?.segments ?? []) : [...(current?.segments ?? []), input.segment],
    },
    base.tags,
  );
}

/**
 * The record a CopyObject writes: the source's bytes (its very segments, so no byte moves), size,
 * ETag, CRC-64, Content-MD5, type and symlink target, with the copy's own attributes.
 */
export function copyRecord(source: ObjectRecord, input: CopyObjectRecordInput): ObjectRecord {
  const attributes = input.attributes(source);
  const record: { -readonly [K in keyof ObjectRecord]: ObjectRecord[K] } = {
    bucket: input.bucket,
    key: input.key,
    size: source.size,
    etag: source.etag,
    crc64: source.crc64,
    lastModified: input.lastModified,
    objectType: source.objectType,
    storageClass: attributes.storageClass,
    acl: attributes.acl,
    httpHeaders: attributes.httpHeaders,
    userMeta: attributes.userMeta,
    segments: source.segments,
  };
  if (source.symlinkTarget !== undefined) record.symlinkTarget = source.symlinkTarget;
  if (attributes.tags !== undefined) record.tags = attributes.tags;
  if (source.contentMd5 !== undefined) record.contentMd5 = source.contentMd5;
  return record;
}

/**
 * The segments holding bytes `[start, end]` (inclusive) of an object made of `segments`: slices of
 * the same blobs (UploadPartCopy with x-oss-copy-source-range), at most one per source segment.
 */
export function sliceSegments(segments: readonly Segment[], start: number, end: number): Segment[] {
  const out: Segment[] = [];
  let offset = 0; // where the current segment starts in the object
  for (const s of segments) {
    const from = offset;
    offset += s.size;
    if (offset <= start) continue;
    if (from > end) break;
    const a = Math.max(start, from) - from;
    const b = Math.min(end, offset - 1) - from;
    out.push({ blobId: s.blobId, offset: s.offset + a, size: b - a + 1 });
  }
  return out;
}
