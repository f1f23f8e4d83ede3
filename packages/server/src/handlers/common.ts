/** Helpers shared by the handler families: owners, bodies, XML responses, object headers. */
import { createHash } from 'node:crypto';
import { accountIdFor } from '../auth/keys.js';
import { OssError } from '../errors/oss-error.js';
import { DEFAULT_CONTENT_TYPE, httpDate, META_PREFIX } from '../protocol/headers.js';
import { type XmlNode, xmlDocument } from '../protocol/xml.js';
import type { BucketRecord, ObjectRecord } from '../storage/types.js';
import type { HandlerContext, HandlerResult } from './context.js';

/** `<Owner><ID/><DisplayName/></Owner>` of a bucket owner (an access key id today). */
export function ownerNode(ownerKeyId: string): XmlNode {
  const id = accountIdFor(ownerKeyId);
  return [
    'Owner',
    [
      ['ID', id],
      ['DisplayName', id],
    ],
  ];
}

export function xmlResult(root: string, children: readonly XmlNode[], headers: Record<string, string> = {}): HandlerResult {
  return { status: 200, headers: { 'Content-Type': 'application/xml', ...headers }, body: xmlDocument(root, children) };
}

export function requireBucket(ctx: HandlerContext): BucketRecord {
  if (!ctx.bucket) throw new OssError('NoSuchBucket', { details: ctx.parsed.bucket ? [['BucketName', ctx.parsed.bucket]] : [] });
  return ctx.bucket;
}

export function noSuchKey(key: string): OssError {
  return new OssError('NoSuchKey', { details: [['Key', key]] });
}

/** The host without the bucket label (ExtranetEndpoint), e.g. `localhost:9000`. */
export function serviceHost(ctx: HandlerContext): string {
  const b = ctx.parsed.bucket;
  if (ctx.parsed.style === 'virtual' && b && ctx.hostId.toLowerCase().startsWith(`${b}.`)) return ctx.hostId.slice(b.length + 1);
  return ctx.hostId;
}

/**
 * Reads a small request body (XML configuration documents) into memory, refusing more than
 * `limit` bytes, and checks `Content-MD5` when sent (ali-oss sends it for XML bodies).
 */
export async function readSmallBody(ctx: HandlerContext, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of ctx.req.body) {
    n += chunk.byteLength;
    if (n > limit) throw new OssError('EntityTooLarge', { message: `The request body must not exceed ${limit} bytes.` });
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  const body = Buffer.concat(chunks, n);
  const md5 = ctx.req.headers['content-md5'];
  if (typeof md5 === 'string') {
    checkContentMd5Syntax(md5);
    if (createHash('md5').update(body).digest('base64') !== md5) throw new OssError('InvalidDigest', { ec: '0017-00000503' });
  }
  ctx.bytesIn = n;
  return body;
}

/** `Content-MD5` must be the base64 of 16 bytes (EC 0017-00000502). */
export function checkContentMd5Syntax(value: string): void {
  if (!/^[A-Za-z0-9+/]{22}==$/.test(value)) {
    throw new OssError('InvalidDigest', { details: [['Content-MD5', value]] });
  }
}

/** `Content-MD5` of a simple upload: stored, or derived from a plain MD5 ETag. */
export function contentMd5Of(rec: ObjectRecord): string | undefined {
  if (rec.contentMd5) return rec.contentMd5;
  if (rec.objectType === 'Normal' && /^[0-9A-F]{32}$/.test(rec.etag)) return Buffer.from(rec.etag, 'hex').toString('base64');
  return undefined;
}

/**
 * The headers GetObject/HeadObject send for an object (oss-api-notes §5.3). The whole-object
 * CRC-64 and Content-MD5 only on full reads: a 206 body would not match them.
 */
export function objectHeaders(rec: ObjectRecord, range?: { readonly start: number; readonly end: number }): Record<string, string> {
  const h: Record<string, string> = {
    'Content-Type': rec.httpHeaders.contentType ?? DEFAULT_CONTENT_TYPE,
    'Content-Length': String(range ? range.end - range.start + 1 : rec.size),
    ETag: `"${rec.etag}"`,
    'Last-Modified': httpDate(rec.lastModified),
    'Accept-Ranges': 'bytes',
    'x-oss-object-type': rec.objectType,
    'x-oss-storage-class': rec.storageClass,
  };
  if (range) h['Content-Range'] = `bytes ${range.start}-${range.end}/${rec.size}`;
  else {
    h['x-oss-hash-crc64ecma'] = rec.crc64;
    const md5 = contentMd5Of(rec);
    if (md5) h['Content-MD5'] = md5;
  }
  const hh = rec.httpHeaders;
  if (hh.contentDisposition !== undefined) h['Content-Disposition'] = hh.contentDisposition;
  if (hh.contentEncoding !== undefined) h['Content-Encoding'] = hh.contentEncoding;
  if (hh.contentLanguage !== undefined) h['Content-Language'] = hh.contentLanguage;
  if (hh.cacheControl !== undefined) h['Cache-Control'] = hh.cacheControl;
  if (hh.expires !== undefined) h.Expires = hh.expires;
  for (const [k, v] of Object.entries(rec.userMeta)) h[META_PREFIX + k] = v;
  // Appendable objects tell where the next append goes (OSS HeadObject / GetObject).
  if (rec.objectType === 'Appendable') h['x-oss-next-append-position'] = String(rec.size);
  const tagCount = rec.tags === undefined ? 0 : Object.keys(rec.tags).length;
  if (tagCount > 0) h['x-oss-tagging-count'] = String(tagCount);
  return h;
}
