/**
 * The dispatch table: one handler per implemented operation. The mapped type makes the
 * compiler refuse an operation without a handler (or a handler for an unknown operation).
 */
import type { ImplementedName, OperationOf } from '../protocol/operations.js';
import { deleteBucket, getBucketAcl, getBucketInfo, getBucketLocation, getBucketStat, headBucket, putBucket, putBucketAcl } from './bucket.js';
import type { Handler, HandlerContext, HandlerResult } from './context.js';
import { listObjects, listObjectsV2 } from './list.js';
import { deleteObject, getObject, getObjectAcl, getObjectMeta, headObject, putObject, putObjectAcl } from './object.js';
import { listBuckets } from './service.js';

export const HANDLERS: { readonly [N in ImplementedName]: Handler<OperationOf<N>> } = {
  ListBuckets: listBuckets,
  PutBucket: putBucket,
  DeleteBucket: deleteBucket,
  GetBucketInfo: getBucketInfo,
  GetBucketLocation: getBucketLocation,
  GetBucketStat: getBucketStat,
  HeadBucket: headBucket,
  ListObjects: listObjects,
  ListObjectsV2: listObjectsV2,
  PutBucketAcl: putBucketAcl,
  GetBucketAcl: getBucketAcl,
  PutObject: putObject,
  GetObject: getObject,
  HeadObject: headObject,
  GetObjectMeta: getObjectMeta,
  DeleteObject: deleteObject,
  PutObjectAcl: putObjectAcl,
  GetObjectAcl: getObjectAcl,
};

export function dispatch<N extends ImplementedName>(ctx: HandlerContext<OperationOf<N>>): Promise<HandlerResult> {
  const handler = HANDLERS[(ctx.op as { readonly name: N }).name] as Handler<OperationOf<N>>;
  return handler(ctx);
}
