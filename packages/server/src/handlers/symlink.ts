/**
 * Symbolic links: PutSymlink, GetSymlink, and following a link on GetObject / HeadObject.
 *
 * A symlink is an object record of type `Symlink` without bytes, naming a target key in the
 * same bucket. As on OSS: PutSymlink checks nothing about the target; reading through a link
 * needs read access to the link (the pipeline checked it) and to the target (checked here, as
 * the target is only known now); a missing target is 404 SymlinkTargetNotExist; a target that is
 * itself a symlink is 400 InvalidTargetType (links are not chained). `x-oss-symlink-target` is
 * URL-encoded on the wire both ways.
 */
import { OssError } from '../errors/oss-error.js';
import { objectResource } from '../protocol/access.js';
import { httpDate, META_PREFIX } from '../protocol/headers.js';
import type { GetSymlink, PutSymlink } from '../protocol/object-api.js';
import type { ObjectReader, ObjectRecord } from '../storage/types.js';
import { forbidOverwrite, uploadAttributes } from './attributes.js';
import { noSuchKey, requireBucket } from './common.js';
import type { Handler, HandlerContext } from './context.js';
import { urlEncodeKey } from './list.js';

export const putSymlink: Handler<PutSymlink> = async (ctx) => {
  const { op, req } = ctx;
  requireBucket(ctx);
  const record = await ctx.storage.putSymlink({
    bucket: op.bucket,
    key: op.key,
    target: op.target,
    forbidOverwrite: forbidOverwrite(req.headers),
    ...uploadAttributes(req.headers, op.key),
  });
  return { status: 200, headers: { ETag: `"${record.etag}"` } };
};

export const getSymlink: Handler<GetSymlink> = async (ctx) => {
  const { op } = ctx;
  requireBucket(ctx);
  const rec = await ctx.storage.metadata.getObject(op.bucket, op.key);
  if (!rec) throw noSuchKey(op.key);
  if (rec.objectType !== 'Symlink' || rec.symlinkTarget === undefined) throw new OssError('NotSymlink');
  const headers: Record<string, string> = {
    'x-oss-symlink-target': urlEncodeKey(rec.symlinkTarget),
    ETag: `"${rec.etag}"`,
    'Last-Modified': httpDate(rec.lastModified),
  };
  for (const [k, v] of Object.entries(rec.userMeta)) headers[META_PREFIX + k] = v;
  return { status: 200, headers };
};

function targetOf(link: ObjectRecord): string {
  if (link.symlinkTarget === undefined) throw new Error(`symlink ${link.key} has no target`);
  return link.symlinkTarget;
}

async function authorizeTarget(ctx: HandlerContext, link: ObjectRecord): Promise<string> {
  const target = targetOf(link);
  await ctx.authorize([{ action: 'oss:GetObject', resource: objectResource(link.bucket, target) }]);
  return target;
}

function dangling(link: ObjectRecord): OssError {
  return new OssError('SymlinkTargetNotExist', { details: [['Key', link.key], ['SymlinkTarget', targetOf(link)]] });
}

function checkTarget(link: ObjectRecord, target: ObjectRecord): void {
  if (target.objectType === 'Symlink') {
    throw new OssError('InvalidTargetType', { details: [['Key', link.key], ['SymlinkTarget', targetOf(link)]] });
  }
}

/**
 * The record HeadObject describes for `key`: the object itself, or the target of a symlink
 * (undefined when `key` does not exist; SymlinkTargetNotExist when the link dangles).
 */
export async function resolveRecord(ctx: HandlerContext, bucket: string, key: string): Promise<ObjectRecord | undefined> {
  const rec = await ctx.objects.record(bucket, key);
  if (rec?.objectType !== 'Symlink') return rec;
  const targetKey = await authorizeTarget(ctx, rec);
  const target = await ctx.objects.record(bucket, targetKey);
  if (target === undefined) throw dangling(rec);
  checkTarget(rec, target);
  return target;
}

/**
 * `Storage.openObject` following a symlink: the reader of the object itself or of the link's
 * target (undefined when `key` does not exist). The link's lease is released before the target
 * is opened: the link has no bytes to protect.
 */
export async function openResolved(ctx: HandlerContext, bucket: string, key: string): Promise<ObjectReader | undefined> {
  const reader = await ctx.objects.open(bucket, key);
  if (reader?.record.objectType !== 'Symlink') return reader;
  const link = reader.record;
  reader.release();
  const targetKey = await authorizeTarget(ctx, link);
  const target = await ctx.objects.open(bucket, targetKey);
  if (target === undefined) throw dangling(link);
  try {
    checkTarget(link, target.record);
  } catch (e) {
    target.release();
    throw e;
  }
  return target;
}
