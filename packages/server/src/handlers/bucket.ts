/**
 * Bucket operations: PutBucket, DeleteBucket, GetBucketInfo, GetBucketLocation,
 * GetBucketStat, HeadBucket, PutBucketAcl, GetBucketAcl.
 */
import { OssError } from '../errors/oss-error.js';
import { isoDate } from '../protocol/headers.js';
import type {
  DeleteBucket,
  GetBucketAcl,
  GetBucketInfo,
  GetBucketLocation,
  GetBucketStat,
  HeadBucket,
  PutBucket,
  PutBucketAcl,
} from '../protocol/operations.js';
import { child, parseXml } from '../protocol/xml.js';
import type { StorageClass } from '../storage/types.js';
import { ownerNode, readSmallBody, requireBucket, serviceHost, xmlResult } from './common.js';
import type { Handler } from './context.js';

export const STORAGE_CLASSES: readonly StorageClass[] = ['Standard', 'IA', 'Archive', 'ColdArchive', 'DeepColdArchive'];

export function parseStorageClass(v: string | undefined, argument: string): StorageClass | undefined {
  if (v === undefined || v === '') return undefined;
  if (!(STORAGE_CLASSES as readonly string[]).includes(v)) {
    throw new OssError('InvalidArgument', {
      message: `The storage class you specified is not valid: ${v}.`,
      details: [
        ['ArgumentName', argument],
        ['ArgumentValue', v],
      ],
    });
  }
  return v as StorageClass;
}

/** CreateBucketConfiguration documents are tiny; anything bigger is not one. */
const MAX_CONFIG_BODY = 64 * 1024;

export const putBucket: Handler<PutBucket> = async (ctx) => {
  const { op, principal } = ctx;
  // Not an authorization check (the authorizer decided): a bucket needs an owning account, and
  // an authorizer that lets a principal without one create buckets is a configuration bug.
  if (principal.kind === 'anonymous') throw new Error('PutBucket allowed for an anonymous principal: a bucket needs an owner');
  const body = await readSmallBody(ctx, MAX_CONFIG_BODY);
  let storageClass: StorageClass = 'Standard';
  if (body.length > 0 && body.toString('utf8').trim() !== '') {
    const root = parseXml(body.toString('utf8'));
    if (root.name !== 'CreateBucketConfiguration') {
      throw new OssError('MalformedXML', { details: [['ErrorDetail', 'the root node is not named CreateBucketConfiguration.']] });
    }
    storageClass = parseStorageClass(child(root, 'StorageClass')?.text.trim(), 'StorageClass') ?? 'Standard';
    // DataRedundancyType (LRS/ZRS) is accepted and ignored: Pail has one local copy.
  }
  await ctx.storage.metadata.createBucket({
    name: op.bucket,
    createdAt: ctx.now,
    acl: op.acl,
    storageClass,
    region: ctx.region,
    owner: principal.accessKeyId,
  });
  return { status: 200, headers: { Location: `/${op.bucket}` } };
};

export const deleteBucket: Handler<DeleteBucket> = async (ctx) => {
  await ctx.storage.metadata.deleteBucket(ctx.op.bucket);
  return { status: 204 };
};

export const getBucketInfo: Handler<GetBucketInfo> = async (ctx) => {
  const b = requireBucket(ctx);
  const endpoint = serviceHost(ctx);
  return xmlResult('BucketInfo', [
    [
      'Bucket',
      [
        ['AccessMonitor', 'Disabled'],
        ['CreationDate', isoDate(b.createdAt)],
        ['ExtranetEndpoint', endpoint],
        ['IntranetEndpoint', endpoint],
        ['Location', `oss-${b.region}`],
        ['StorageClass', b.storageClass],
        ['TransferAcceleration', 'Disabled'],
        ['CrossRegionReplication', 'Disabled'],
        ['DataRedundancyType', 'LRS'],
        ['Name', b.name],
        ['Region', b.region],
        ownerNode(b.owner),
        ['AccessControlList', [['Grant', b.acl]]],
        ['Comment', ''],
        ['Versioning', 'Disabled'],
        [
          'ServerSideEncryptionRule',
          [
            ['SSEAlgorithm', 'None'],
          ],
        ],
        [
          'BucketPolicy',
          [
            ['LogBucket', ''],
            ['LogPrefix', ''],
          ],
        ],
      ],
    ],
  ]);
};

export const getBucketLocation: Handler<GetBucketLocation> = async (ctx) => {
  const b = requireBucket(ctx);
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint>oss-${b.region}</LocationConstraint>\n`;
  return { status: 200, headers: { 'Content-Type': 'application/xml' }, body: Buffer.from(xml, 'utf8') };
};

export const getBucketStat: Handler<GetBucketStat> = async (ctx) => {
  const b = requireBucket(ctx);
  const stat = await ctx.storage.metadata.bucketStat(b.name);
  return xmlResult('BucketStat', [
    ['Storage', stat.storage],
    ['ObjectCount', stat.objectCount],
    ['MultipartUploadCount', stat.multipartUploadCount],
    ['LiveChannelCount', 0],
    ['LastModifiedTime', Math.floor(stat.lastModified / 1000)],
  ]);
};

export const headBucket: Handler<HeadBucket> = async (ctx) => {
  const b = requireBucket(ctx);
  return { status: 200, headers: { 'x-oss-bucket-region': b.region } };
};

export const putBucketAcl: Handler<PutBucketAcl> = async (ctx) => {
  await ctx.storage.metadata.setBucketAcl(ctx.op.bucket, ctx.op.acl);
  return { status: 200 };
};

export const getBucketAcl: Handler<GetBucketAcl> = async (ctx) => {
  const b = requireBucket(ctx);
  return xmlResult('AccessControlPolicy', [ownerNode(b.owner), ['AccessControlList', [['Grant', b.acl]]]]);
};
