/**
 * The dispatch table: one handler per implemented operation. The mapped type makes the
 * compiler refuse an operation without a handler (or a handler for an unknown operation).
 */
import type { ImplementedName, OperationOf } from '../protocol/operations.js';
import { deleteBucket, getBucketAcl, getBucketInfo, getBucketLocation, getBucketStat, headBucket, putBucket, putBucketAcl } from './bucket.js';
import { appendObject } from './append.js';
import type { Handler, HandlerContext, HandlerResult } from './context.js';
import { copyObject } from './copy.js';
import { deleteBucketCors, getBucketCors, optionObject, putBucketCors } from './cors.js';
import { deleteMultipleObjects } from './delete-multiple.js';
import { listObjects, listObjectsV2 } from './list.js';
import { deleteObject, getObject, getObjectAcl, getObjectMeta, headObject, putObject, putObjectAcl } from './object.js';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  initiateMultipartUpload,
  listMultipartUploads,
  listParts,
  uploadPart,
  uploadPartCopy,
} from './multipart.js';
import { postObject } from './post-object.js';
import { listBuckets } from './service.js';
import { getSymlink, putSymlink } from './symlink.js';
import { deleteObjectTagging, getObjectTagging, putObjectTagging } from './tagging.js';

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
  PutBucketCors: putBucketCors,
  GetBucketCors: getBucketCors,
  DeleteBucketCors: deleteBucketCors,
  OptionObject: optionObject,
  InitiateMultipartUpload: initiateMultipartUpload,
  UploadPart: uploadPart,
  UploadPartCopy: uploadPartCopy,
  CompleteMultipartUpload: completeMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
  ListParts: listParts,
  ListMultipartUploads: listMultipartUploads,
  CopyObject: copyObject,
  AppendObject: appendObject,
  DeleteMultipleObjects: deleteMultipleObjects,
  PutObjectTagging: putObjectTagging,
  GetObjectTagging: getObjectTagging,
  DeleteObjectTagging: deleteObjectTagging,
  PutSymlink: putSymlink,
  GetSymlink: getSymlink,
  PostObject: postObject,
};

export function dispatch<N extends ImplementedName>(ctx: HandlerContext<OperationOf<N>>): Promise<HandlerResult> {
  const handler = HANDLERS[(ctx.op as { readonly name: N }).name] as Handler<OperationOf<N>>;
  return handler(ctx);
}
