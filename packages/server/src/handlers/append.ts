/**
 * AppendObject (`POST /key?append&position=N`): the appended bytes become a new blob, then one
 * transaction checks the position against the current length and adds the blob as the object's
 * next segment, chaining the CRC-64 (docs/durability.md, "Multipart and append"). The object is
 * `Appendable`; its length, and so the next position, is `x-oss-next-append-position`.
 */
import { OssError } from '../errors/oss-error.js';
import { header } from '../protocol/headers.js';
import type { AppendObject } from '../protocol/object-api.js';
import { StorageError } from '../storage/types.js';
import { contentLength, uploadAttributes } from './attributes.js';
import { checkContentMd5Syntax, requireBucket } from './common.js';
import type { Handler } from './context.js';

/** OSS: an appendable object may grow to 5 GB. */
export const MAX_APPENDABLE_SIZE = 5 * 1024 ** 3;

export const appendObject: Handler<AppendObject> = async (ctx) => {
  const { op, req } = ctx;
  requireBucket(ctx);
  const h = req.headers;
  const expectedSize = contentLength(h, MAX_APPENDABLE_SIZE);
  if (expectedSize !== undefined && op.position + expectedSize > MAX_APPENDABLE_SIZE) {
    throw new OssError('EntityTooLarge', { message: 'An appendable object must not exceed 5 GB.' });
  }
  const contentMd5 = header(h, 'content-md5');
  if (contentMd5 !== undefined) checkContentMd5Syntax(contentMd5);
  // Used only when this append creates the object (later appends keep the existing attributes).
  const attributes = uploadAttributes(h, op.key);
  try {
    const record = await ctx.storage.appendObject({
      bucket: op.bucket,
      key: op.key,
      position: op.position,
      body: req.body,
      ...(expectedSize === undefined ? {} : { expectedSize }),
      ...(contentMd5 === undefined ? {} : { contentMd5 }),
      ...attributes,
      ...(req.signal ? { signal: req.signal } : {}),
    });
    ctx.bytesIn = record.size - op.position;
    return {
      status: 200,
      headers: {
        ETag: `"${record.etag}"`,
        'x-oss-next-append-position': String(record.size),
        'x-oss-hash-crc64ecma': record.crc64,
      },
    };
  } catch (e) {
    // The client needs the current length to resume (ali-oss reads it from the error's headers).
    if (e instanceof StorageError && e.code === 'PositionNotEqualToLength') {
      throw new OssError('PositionNotEqualToLength', {
        headers: { 'x-oss-next-append-position': e.details.nextAppendPosition ?? '0' },
        cause: e,
      });
    }
    throw e;
  }
};
