/**
 * CopyObject: a new key naming the source's bytes. No byte is copied: the copy's record names
 * the source's blobs and their reference counts grow in the same transaction that reads the
 * source (`Storage.copyObject`), so the copy-source-if-* checks and the commit see one version of
 * the source. The copy keeps the source's ETag and CRC-64 (same bytes), so clients that check
 * `x-oss-hash-crc64ecma` or compare ETags see what they expect.
 */
import { OssError } from '../errors/oss-error.js';
import { evaluatePreconditions } from '../protocol/conditional.js';
import { header, isoDate, type RequestHeaders } from '../protocol/headers.js';
import type { CopyObject } from '../protocol/object-api.js';
import type { CopyAttributes, ObjectRecord } from '../storage/types.js';
import { forbidOverwrite, httpHeadersOf, uploadAttributes, userMetaOf } from './attributes.js';
import { requireBucket, xmlResult } from './common.js';
import type { Handler, HandlerResult } from './context.js';
import { parseTaggingHeader } from './tagging.js';

/** Thrown from inside a copy transaction when a copy-source-if-* condition says "not modified" (304). */
export class NotModified extends Error {
  constructor(readonly record: ObjectRecord) {
    super('not modified');
    this.name = 'NotModified';
  }
}

/**
 * `x-oss-copy-source-if-match / -none-match / -modified-since / -unmodified-since`, evaluated
 * against the source as GetObject evaluates If-* (RFC 7232 §6 order): a failed match is 412
 * PreconditionFailed, "not modified" is 304 (ali-oss `copy` accepts 200 and 304).
 */
export function checkCopySourceConditions(headers: RequestHeaders, source: ObjectRecord, now: number): void {
  const conditions: Record<string, string> = {};
  for (const name of ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since']) {
    const v = header(headers, `x-oss-copy-source-${name}`);
    if (v !== undefined) conditions[name] = v;
  }
  const c = evaluatePreconditions(conditions, source.etag, source.lastModified, now);
  if (c.kind === 'failed') throw new OssError('PreconditionFailed', { details: [['Condition', `x-oss-copy-source-${c.condition.toLowerCase()}`]] });
  if (c.kind === 'not-modified') throw new NotModified(source);
}

function directive(headers: RequestHeaders, name: string): 'COPY' | 'REPLACE' {
  const v = header(headers, name);
  if (v === undefined || v === '') return 'COPY';
  const u = v.toUpperCase();
  if (u === 'COPY' || u === 'REPLACE') return u;
  throw new OssError('InvalidArgument', {
    message: `${name} must be COPY or REPLACE.`,
    details: [
      ['ArgumentName', name],
      ['ArgumentValue', v],
    ],
  });
}

export function notModifiedResult(record: ObjectRecord): HandlerResult {
  return { status: 304, headers: { ETag: `"${record.etag}"` } };
}

export const copyObject: Handler<CopyObject> = async (ctx) => {
  const { op, req } = ctx;
  requireBucket(ctx);
  const h = req.headers;
  const metadata = directive(h, 'x-oss-metadata-directive');
  const tagging = directive(h, 'x-oss-tagging-directive');
  // Parsed before the transaction: a bad header is a 400 whatever the source looks like.
  const requested = uploadAttributes(h, op.key);
  const replacedHeaders = metadata === 'REPLACE' ? httpHeadersOf(h, op.key) : undefined;
  const replacedMeta = metadata === 'REPLACE' ? userMetaOf(h) : undefined;
  const replacedTags = tagging === 'REPLACE' ? (parseTaggingHeader(header(h, 'x-oss-tagging')) ?? {}) : undefined;
  const attributes = (source: ObjectRecord): CopyAttributes => {
    checkCopySourceConditions(h, source, ctx.now);
    if (source.objectType === 'Appendable') {
      // OSS: "The CopyObject operation cannot be performed on appendable objects."
      throw new OssError('InvalidArgument', {
        message: 'CopyObject does not support appendable objects.',
        details: [
          ['ArgumentName', 'x-oss-copy-source'],
          ['ArgumentValue', `/${op.source.bucket}/${op.source.key}`],
        ],
      });
    }
    const tags = replacedTags ?? source.tags;
    return {
      acl: requested.acl ?? 'default',
      storageClass: requested.storageClass ?? source.storageClass,
      httpHeaders: replacedHeaders ?? source.httpHeaders,
      userMeta: replacedMeta ?? source.userMeta,
      ...(tags === undefined || Object.keys(tags).length === 0 ? {} : { tags }),
    };
  };
  let record: ObjectRecord;
  try {
    record = await ctx.storage.copyObject({
      source: op.source,
      bucket: op.bucket,
      key: op.key,
      attributes,
      forbidOverwrite: forbidOverwrite(h),
    });
  } catch (e) {
    if (e instanceof NotModified) return notModifiedResult(e.record);
    throw e;
  }
  return xmlResult(
    'CopyObjectResult',
    [
      ['ETag', `"${record.etag}"`],
      ['LastModified', isoDate(record.lastModified)],
    ],
    { ETag: `"${record.etag}"`, 'x-oss-hash-crc64ecma': record.crc64 },
  );
};
