/** Service-level operations: ListBuckets (GetService). */
import { isoDate } from '../protocol/headers.js';
import type { ListBuckets } from '../protocol/operations.js';
import type { XmlNode } from '../protocol/xml.js';
import { ownerNode, xmlResult } from './common.js';
import type { Handler } from './context.js';

export const listBuckets: Handler<ListBuckets> = async (ctx) => {
  const { op, principal } = ctx;
  const page = await ctx.storage.metadata.listBuckets({ prefix: op.prefix, after: op.marker, maxKeys: op.maxKeys });
  const endpoint = ctx.hostId;
  const buckets: XmlNode[] = page.buckets.map((b) => [
    'Bucket',
    [
      ['CreationDate', isoDate(b.createdAt)],
      ['ExtranetEndpoint', endpoint],
      ['IntranetEndpoint', endpoint],
      ['Location', `oss-${b.region}`],
      ['Name', b.name],
      ['Region', b.region],
      ['StorageClass', b.storageClass],
    ],
  ]);
  const last = page.buckets[page.buckets.length - 1];
  const paged = op.prefix !== '' || op.marker !== '' || page.isTruncated;
  return xmlResult('ListAllMyBucketsResult', [
    paged && ['Prefix', op.prefix],
    paged && ['Marker', op.marker],
    paged && ['MaxKeys', op.maxKeys],
    paged && ['IsTruncated', page.isTruncated],
    page.isTruncated && last !== undefined && ['NextMarker', last.name],
    // The caller's account; a principal without one (only an authorizer could let it here) gets none.
    principal.kind !== 'anonymous' && ownerNode(principal.accessKeyId),
    ['Buckets', buckets],
  ]);
};
