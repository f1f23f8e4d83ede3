/**
 * Object operations: PutObject, GetObject, HeadObject, GetObjectMeta, DeleteObject,
 * PutObjectAcl, GetObjectAcl. Bodies stream end to end: PutObject hands the request stream to
 * storage (never buffered), GetObject returns a leased stream of the stored bytes.
 */
import { OssError } from '../errors/oss-error.js';
import { type ConditionResult, evaluatePreconditions } from '../protocol/conditional.js';
import {
  contentTypeForKey,
  header,
  httpDate,
  MAX_USER_META_BYTES,
  type RequestHeaders,
  userMetaFrom,
  userMetaSize,
} from '../protocol/headers.js';
import {
  type DeleteObject,
  type GetObject,
  type GetObjectAcl,
  type GetObjectMeta,
  type HeadObject,
  type PutObject,
  type PutObjectAcl,
  parseObjectAcl,
} from '../protocol/operations.js';
import { resolveRange } from '../protocol/range.js';
import type { ObjectHttpHeaders, ObjectRecord } from '../storage/types.js';
import { parseStorageClass } from './bucket.js';
import { checkContentMd5Syntax, noSuchKey, objectHeaders, ownerNode, requireBucket, xmlResult } from './common.js';
import type { Handler, HandlerContext, HandlerResult } from './context.js';
import { openResolved, resolveRecord } from './symlink.js';
import { parseTaggingHeader } from './tagging.js';

/** OSS PutObject limit: 5 GB. */
export const MAX_PUT_OBJECT_SIZE = 5 * 1024 ** 3;

function isChunked(headers: RequestHeaders): boolean {
  const te = header(headers, 'transfer-encoding');
  return te?.toLowerCase().includes('chunked') === true;
}

/** The stored HTTP headers of a PutObject request; Content-Type defaults by extension. */
function httpHeadersFrom(headers: RequestHeaders, key: string): ObjectHttpHeaders {
  const out: { -readonly [K in keyof ObjectHttpHeaders]: string } = {};
  const ct = header(headers, 'content-type');
  out.contentType = ct !== undefined && ct !== '' ? ct : contentTypeForKey(key);
  const pick = (name: string): string | undefined => {
    const v = header(headers, name);
    return v === undefined || v === '' ? undefined : v;
  };
  const cd = pick('content-disposition');
  if (cd !== undefined) out.contentDisposition = cd;
  const ce = pick('content-encoding');
  if (ce !== undefined) out.contentEncoding = ce;
  const cl = pick('content-language');
  if (cl !== undefined) out.contentLanguage = cl;
  const cc = pick('cache-control');
  if (cc !== undefined) out.cacheControl = cc;
  const ex = pick('expires');
  if (ex !== undefined) out.expires = ex;
  return out;
}

export const putObject: Handler<PutObject> = async (ctx) => {
  const { op, req } = ctx;
  requireBucket(ctx);
  const h = req.headers;
  const cl = header(h, 'content-length');
  let expectedSize: number | undefined;
  if (cl !== undefined) {
    if (!/^\d{1,16}$/.test(cl)) throw new OssError('InvalidArgument', { message: 'Content-Length is not a valid integer.', details: [['ArgumentName', 'Content-Length'], ['ArgumentValue', cl]] });
    expectedSize = Number(cl);
    if (expectedSize > MAX_PUT_OBJECT_SIZE) throw new OssError('EntityTooLarge');
  } else if (!isChunked(h)) {
    throw new OssError('MissingContentLength');
  }
  const contentMd5 = header(h, 'content-md5');
  if (contentMd5 !== undefined) checkContentMd5Syntax(contentMd5);
  const acl = parseObjectAcl(header(h, 'x-oss-object-acl'));
  const storageClass = parseStorageClass(header(h, 'x-oss-storage-class'), 'x-oss-storage-class');
  const forbidOverwrite = header(h, 'x-oss-forbid-overwrite')?.toLowerCase() === 'true';
  const userMeta = userMetaFrom(h);
  if (userMetaSize(userMeta) > MAX_USER_META_BYTES) {
    throw new OssError('InvalidArgument', { message: 'The user metadata (x-oss-meta-*) must not exceed 8 KB in total.' });
  }
  const tags = parseTaggingHeader(header(h, 'x-oss-tagging'));
  const record = await ctx.storage.putObject({
    bucket: op.bucket,
    key: op.key,
    body: req.body,
    ...(expectedSize === undefined ? {} : { expectedSize }),
    ...(contentMd5 === undefined ? {} : { contentMd5 }),
    forbidOverwrite,
    ...(acl === undefined ? {} : { acl }),
    ...(storageClass === undefined ? {} : { storageClass }),
    httpHeaders: httpHeadersFrom(h, op.key),
    userMeta,
    ...(tags === undefined || Object.keys(tags).length === 0 ? {} : { tags }),
    ...(req.signal ? { signal: req.signal } : {}),
  });
  ctx.bytesIn = record.size;
  const headers: Record<string, string> = {
    ETag: `"${record.etag}"`,
    'x-oss-hash-crc64ecma': record.crc64,
  };
  const md5 = record.contentMd5 ?? Buffer.from(record.etag, 'hex').toString('base64');
  headers['Content-MD5'] = md5;
  return { status: 200, headers };
};

/** 304 / 412 per RFC 7232 §6; undefined to proceed. */
function preconditionResponse(ctx: HandlerContext, rec: ObjectRecord): HandlerResult | undefined {
  const c: ConditionResult = evaluatePreconditions(ctx.req.headers, rec.etag, rec.lastModified, ctx.now);
  if (c.kind === 'failed') throw new OssError('PreconditionFailed', { details: [['Condition', c.condition]] });
  if (c.kind === 'not-modified') {
    return {
      status: 304,
      headers: { ETag: `"${rec.etag}"`, 'Last-Modified': httpDate(rec.lastModified) },
    };
  }
  return undefined;
}

export const getObject: Handler<GetObject> = async (ctx) => {
  const { op } = ctx;
  requireBucket(ctx);
  // A symlink is followed to its target (symlink.ts).
  const reader = await openResolved(ctx, op.bucket, op.key);
  if (!reader) throw noSuchKey(op.key);
  try {
    const rec = reader.record;
    const early = preconditionResponse(ctx, rec);
    if (early) {
      reader.release();
      return early;
    }
    const standard = header(ctx.req.headers, 'x-oss-range-behavior')?.toLowerCase() === 'standard';
    const rangeHeader = header(ctx.req.headers, 'range');
    const range = resolveRange(rangeHeader, rec.size, standard);
    if (range.kind === 'unsatisfiable') {
      throw new OssError('InvalidRange', {
        headers: { 'Content-Range': `bytes */${rec.size}` },
        details: [
          ['RangeRequested', rangeHeader ?? ''],
          ['ActualObjectSize', String(rec.size)],
        ],
      });
    }
    const partial = range.kind === 'partial' ? { start: range.start, end: range.end } : undefined;
    const headers = objectHeaders(rec, partial);
    // response-* overrides apply to successful reads (OSS GetObject "Request parameters").
    Object.assign(headers, op.overrides);
    if (rec.size === 0) {
      reader.release();
      return { status: 200, headers, body: Buffer.alloc(0) };
    }
    // Small objects and ranges come back as one Buffer, larger ones as a stream (storage.ts).
    const body = await reader.body(partial);
    return { status: partial ? 206 : 200, headers, body, release: () => reader.release() };
  } catch (e) {
    reader.release();
    throw e;
  }
};

export const headObject: Handler<HeadObject> = async (ctx) => {
  const { op } = ctx;
  requireBucket(ctx);
  const rec = await resolveRecord(ctx, op.bucket, op.key);
  if (!rec) throw noSuchKey(op.key);
  const early = preconditionResponse(ctx, rec);
  if (early) return early;
  return { status: 200, headers: objectHeaders(rec) };
};

export const getObjectMeta: Handler<GetObjectMeta> = async (ctx) => {
  const { op } = ctx;
  requireBucket(ctx);
  const rec = await ctx.objects.record(op.bucket, op.key);
  if (!rec) throw noSuchKey(op.key);
  return {
    status: 200,
    headers: {
      ETag: `"${rec.etag}"`,
      'Content-Length': String(rec.size),
      'Last-Modified': httpDate(rec.lastModified),
    },
  };
};

export const deleteObject: Handler<DeleteObject> = async (ctx) => {
  requireBucket(ctx);
  // 204 whether or not the key existed (OSS DeleteObject); ali-oss accepts only 204.
  await ctx.storage.deleteObject(ctx.op.bucket, ctx.op.key);
  return { status: 204 };
};

export const putObjectAcl: Handler<PutObjectAcl> = async (ctx) => {
  const { op } = ctx;
  requireBucket(ctx);
  await ctx.storage.metadata.updateObject(op.bucket, op.key, { acl: op.acl });
  return { status: 200 };
};

export const getObjectAcl: Handler<GetObjectAcl> = async (ctx) => {
  const { op } = ctx;
  const b = requireBucket(ctx);
  const rec = await ctx.storage.metadata.getObject(op.bucket, op.key);
  if (!rec) throw noSuchKey(op.key);
  return xmlResult('AccessControlPolicy', [ownerNode(b.owner), ['AccessControlList', [['Grant', rec.acl]]]]);
};
