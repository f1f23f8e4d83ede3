/**
 * OSS operations the commands use, named after the OSS API (oss-api-notes.md §5.2) and
 * speaking only its documented request/response shapes, so they work against Alibaba Cloud
 * OSS as well as Pail.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { CliError } from './errors.js';
import type { Transport } from './http.js';
import { header, readBody } from './http.js';
import type { XmlElement } from './xml.js';
import { child, childText, children, escapeXml, parseXml } from './xml.js';

export interface BucketSummary {
  readonly name: string;
  readonly creationDate: string;
  readonly location: string;
}

export interface ObjectSummary {
  readonly key: string;
  readonly size: number;
  readonly lastModified: number;
  readonly etag: string;
}

export interface ListPage {
  readonly objects: ObjectSummary[];
  readonly prefixes: string[];
  readonly nextToken: string | undefined;
}

export interface PartInfo {
  readonly partNumber: number;
  readonly etag: string;
  readonly size: number;
}

async function xml(res: IncomingMessage, what: string): Promise<XmlElement> {
  const body = await readBody(res);
  try {
    return parseXml(body);
  } catch (e) {
    throw new CliError(`${what}: unreadable XML response (${(e as Error).message})`);
  }
}

/** ListBuckets (GetService), following NextMarker pages. */
export async function listBuckets(t: Transport): Promise<BucketSummary[]> {
  const out: BucketSummary[] = [];
  let marker: string | undefined;
  do {
    const query: [string, string][] = [['max-keys', '1000']];
    if (marker) query.push(['marker', marker]);
    const root = await xml(await t.send({ method: 'GET', query }), 'ListBuckets');
    for (const b of children(child(root, 'Buckets'), 'Bucket')) {
      out.push({
        name: childText(b, 'Name') ?? '',
        creationDate: childText(b, 'CreationDate') ?? '',
        location: childText(b, 'Location') ?? '',
      });
    }
    marker = childText(root, 'IsTruncated') === 'true' ? childText(root, 'NextMarker') : undefined;
  } while (marker);
  return out;
}

/** PutBucket, with `x-oss-acl` and an optional CreateBucketConfiguration/StorageClass body. */
export async function putBucket(t: Transport, bucket: string, acl?: string, storageClass?: string): Promise<void> {
  const headers: Record<string, string> = {};
  if (acl) headers['x-oss-acl'] = acl;
  let body: string | undefined;
  if (storageClass) {
    body = `<?xml version="1.0" encoding="UTF-8"?>\n<CreateBucketConfiguration><StorageClass>${escapeXml(storageClass)}</StorageClass></CreateBucketConfiguration>`;
    headers['content-type'] = 'application/xml';
  }
  (await t.send({ method: 'PUT', bucket, headers, ...(body ? { body } : {}) })).resume();
}

export async function deleteBucket(t: Transport, bucket: string): Promise<void> {
  (await t.send({ method: 'DELETE', bucket })).resume();
}

/** One ListObjectsV2 page (`list-type=2`, continuation tokens). */
export async function listObjectsV2(
  t: Transport,
  bucket: string,
  opts: { prefix?: string; delimiter?: string; token?: string; maxKeys?: number },
): Promise<ListPage> {
  // Empty values are left out entirely: `prefix=` canonicalises differently across SDKs (§2.8).
  const query: [string, string][] = [['list-type', '2'], ['max-keys', String(opts.maxKeys ?? 1000)]];
  if (opts.prefix) query.push(['prefix', opts.prefix]);
  if (opts.delimiter) query.push(['delimiter', opts.delimiter]);
  if (opts.token) query.push(['continuation-token', opts.token]);
  const root = await xml(await t.send({ method: 'GET', bucket, query }), 'ListObjectsV2');
  const objects = children(root, 'Contents').map((c) => ({
    key: childText(c, 'Key') ?? '',
    size: Number(childText(c, 'Size') ?? '0'),
    lastModified: Date.parse(childText(c, 'LastModified') ?? ''),
    etag: childText(c, 'ETag') ?? '',
  }));
  const prefixes = children(root, 'CommonPrefixes').map((p) => childText(p, 'Prefix') ?? '');
  const truncated = childText(root, 'IsTruncated') === 'true';
  const next = childText(root, 'NextContinuationToken');
  if (truncated && !next) throw new CliError('ListObjectsV2: truncated listing without NextContinuationToken');
  return { objects, prefixes, nextToken: truncated ? next : undefined };
}

/** Every object under a prefix (no delimiter), page by page. */
export async function* listAll(t: Transport, bucket: string, prefix: string): AsyncGenerator<ObjectSummary> {
  let token: string | undefined;
  do {
    const page = await listObjectsV2(t, bucket, { prefix, ...(token ? { token } : {}) });
    yield* page.objects;
    token = page.nextToken;
  } while (token);
}

/** Quoted upper-case hex MD5 → lower-case hex, or undefined when the ETag is not a plain MD5. */
export function md5FromEtag(etag: string | undefined): string | undefined {
  const bare = etag?.replace(/"/g, '').trim().toLowerCase();
  return bare && /^[0-9a-f]{32}$/.test(bare) ? bare : undefined;
}

/**
 * PutObject from a stream factory. The MD5 of the bytes actually sent is computed on the way
 * out and compared with the returned ETag (OSS ETag of a simple upload = MD5, §5.3).
 */
export async function putObject(
  t: Transport,
  bucket: string,
  key: string,
  body: () => Readable,
  size: number,
  headers: Record<string, string>,
): Promise<string> {
  let digest = '';
  const res = await t.send({
    method: 'PUT',
    bucket,
    key,
    headers,
    contentLength: size,
    body: () => hashing(body(), (d) => (digest = d)),
  });
  res.resume();
  const etag = header(res, 'etag') ?? '';
  checkEtag(etag, digest, `PutObject ${key}`);
  return etag;
}

/**
 * Pipes a stream through an MD5 (and an optional byte counter for progress); `done(md5hex)` runs
 * once every byte has passed. Errors travel both ways so no file descriptor is left open.
 */
export function hashing(src: Readable, done: (md5hex: string) => void, onChunk?: (n: number) => void): Readable {
  const h = createHash('md5');
  const out = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      h.update(chunk);
      onChunk?.(chunk.length);
      cb(null, chunk);
    },
    flush(cb) {
      done(h.digest('hex'));
      cb();
    },
  });
  src.on('error', (e) => out.destroy(e));
  out.on('close', () => src.destroy());
  return src.pipe(out);
}

export function checkEtag(etag: string, md5hex: string, what: string): void {
  const expected = md5FromEtag(etag);
  if (expected && md5hex && expected !== md5hex) {
    throw new CliError(`${what}: ETag ${etag} does not match the MD5 of the bytes sent (${md5hex}); the upload was corrupted`);
  }
}

/** GetObject; the caller consumes the stream. */
export async function getObject(t: Transport, bucket: string, key: string, range?: string): Promise<IncomingMessage> {
  return t.send({ method: 'GET', bucket, key, ...(range ? { headers: { range } } : {}) });
}

/** HeadObject: the response headers. */
export async function headObject(t: Transport, bucket: string, key: string): Promise<IncomingMessage> {
  const res = await t.send({ method: 'HEAD', bucket, key });
  res.resume();
  return res;
}

export async function deleteObject(t: Transport, bucket: string, key: string): Promise<void> {
  (await t.send({ method: 'DELETE', bucket, key })).resume();
}

/** CopyObject: `x-oss-copy-source: /bucket/<url-encoded key>` (oss-api-notes.md §5.2). */
export async function copyObject(t: Transport, src: { bucket: string; key: string }, bucket: string, key: string): Promise<void> {
  const headers = { 'x-oss-copy-source': `/${src.bucket}/${encodeURIComponent(src.key)}` };
  const res = await t.send({ method: 'PUT', bucket, key, headers });
  await readBody(res); // CopyObjectResult; a 200 carrying <Error> is not used by OSS
}

/**
 * DeleteMultipleObjects (`POST /?delete`), Quiet mode, at most 1000 keys; Content-MD5 is
 * mandatory for this operation. Returns the keys reported as deleted (empty in quiet mode).
 */
export async function deleteMultipleObjects(t: Transport, bucket: string, keys: readonly string[]): Promise<void> {
  if (keys.length > 1000) throw new Error('deleteMultipleObjects: at most 1000 keys per request');
  const body = Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Delete><Quiet>true</Quiet>${keys
      .map((k) => `<Object><Key>${escapeXml(k)}</Key></Object>`)
      .join('')}</Delete>`,
  );
  const headers = {
    'content-type': 'application/xml',
    'content-md5': createHash('md5').update(body).digest('base64'),
  };
  await readBody(await t.send({ method: 'POST', bucket, query: [['delete', null]], headers, body }));
}

// ---- Multipart ----

export async function initiateMultipartUpload(
  t: Transport,
  bucket: string,
  key: string,
  headers: Record<string, string>,
): Promise<string> {
  const root = await xml(await t.send({ method: 'POST', bucket, key, query: [['uploads', null]], headers }), 'InitiateMultipartUpload');
  const id = childText(root, 'UploadId');
  if (!id) throw new CliError('InitiateMultipartUpload: response has no UploadId');
  return id;
}

/** UploadPart from a stream factory; returns the part ETag after checking it against the MD5. */
export async function uploadPart(
  t: Transport,
  bucket: string,
  key: string,
  uploadId: string,
  partNumber: number,
  body: () => Readable,
  size: number,
): Promise<string> {
  let digest = '';
  const res = await t.send({
    method: 'PUT',
    bucket,
    key,
    query: [
      ['partNumber', String(partNumber)],
      ['uploadId', uploadId],
    ],
    contentLength: size,
    body: () => hashing(body(), (d) => (digest = d)),
  });
  res.resume();
  const etag = header(res, 'etag');
  if (!etag) throw new CliError(`UploadPart ${partNumber}: response has no ETag header`);
  checkEtag(etag, digest, `UploadPart ${partNumber}`);
  return etag;
}

/** ListParts, all pages. */
export async function listParts(t: Transport, bucket: string, key: string, uploadId: string): Promise<PartInfo[]> {
  const out: PartInfo[] = [];
  let marker: string | undefined;
  for (;;) {
    const query: [string, string][] = [
      ['uploadId', uploadId],
      ['max-parts', '1000'],
    ];
    if (marker) query.push(['part-number-marker', marker]);
    const root = await xml(await t.send({ method: 'GET', bucket, key, query }), 'ListParts');
    for (const p of children(root, 'Part')) {
      out.push({
        partNumber: Number(childText(p, 'PartNumber')),
        etag: childText(p, 'ETag') ?? '',
        size: Number(childText(p, 'Size') ?? '-1'),
      });
    }
    const next = childText(root, 'NextPartNumberMarker');
    if (childText(root, 'IsTruncated') !== 'true' || !next || next === marker) return out;
    marker = next;
  }
}

export async function completeMultipartUpload(
  t: Transport,
  bucket: string,
  key: string,
  uploadId: string,
  parts: readonly { partNumber: number; etag: string }[],
): Promise<string> {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload>${parts
    .map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${escapeXml(p.etag)}</ETag></Part>`)
    .join('')}</CompleteMultipartUpload>`;
  const res = await t.send({
    method: 'POST',
    bucket,
    key,
    query: [['uploadId', uploadId]],
    headers: { 'content-type': 'application/xml' },
    body,
  });
  const root = await xml(res, 'CompleteMultipartUpload');
  return childText(root, 'ETag') ?? header(res, 'etag') ?? '';
}

export async function abortMultipartUpload(t: Transport, bucket: string, key: string, uploadId: string): Promise<void> {
  (await t.send({ method: 'DELETE', bucket, key, query: [['uploadId', uploadId]] })).resume();
}
