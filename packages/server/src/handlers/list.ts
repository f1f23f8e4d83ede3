/**
 * ListObjects (V1) and ListObjectsV2. Paging is the storage's: it returns up to max-keys keys
 * and common prefixes after an exclusive lower bound, seeking past whole common prefixes, and
 * the last item returned becomes NextMarker / the continuation token (base64url, opaque).
 * `encoding-type=url` URL-encodes every key-like element (oss-api-notes §5.3).
 */
import { isoDate } from '../protocol/headers.js';
import { encodeContinuationToken, type ListObjects, type ListObjectsV2 } from '../protocol/operations.js';
import type { XmlNode } from '../protocol/xml.js';
import type { ListObjectsPage, ObjectRecord } from '../storage/types.js';
import { ownerNode, requireBucket, xmlResult } from './common.js';
import type { Handler } from './context.js';

const RESERVED = /[!'()*]/g;

/** Strict percent-encoding (RFC 3986 unreserved kept, `/` encoded too); decoded fine by `unquote`/`QueryUnescape`. */
export function urlEncodeKey(s: string): string {
  return encodeURIComponent(s).replace(RESERVED, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function contents(rec: ObjectRecord, owner: XmlNode | undefined, enc: (s: string) => string): XmlNode {
  return [
    'Contents',
    [
      ['Key', enc(rec.key)],
      ['LastModified', isoDate(rec.lastModified)],
      ['ETag', `"${rec.etag}"`],
      ['Type', rec.objectType],
      ['Size', rec.size],
      ['StorageClass', rec.storageClass],
      owner,
    ],
  ];
}

function prefixes(page: ListObjectsPage, enc: (s: string) => string): XmlNode[] {
  return page.commonPrefixes.map((p) => ['CommonPrefixes', [['Prefix', enc(p)]]]);
}

const identity = (s: string): string => s;

export const listObjects: Handler<ListObjects> = async (ctx) => {
  const { op } = ctx;
  const b = requireBucket(ctx);
  const page = await ctx.storage.metadata.listObjects({
    bucket: op.bucket,
    prefix: op.prefix,
    delimiter: op.delimiter,
    after: op.marker,
    maxKeys: op.maxKeys,
  });
  const enc = op.encodingType === 'url' ? urlEncodeKey : identity;
  // ali-oss `list` reads Owner/ID and Owner/DisplayName of every entry (alioss-wire §4.3).
  const owner = ownerNode(b.owner);
  return xmlResult('ListBucketResult', [
    ['Name', op.bucket],
    ['Prefix', enc(op.prefix)],
    ['Marker', enc(op.marker)],
    ['MaxKeys', op.maxKeys],
    ['Delimiter', enc(op.delimiter)],
    op.encodingType && ['EncodingType', op.encodingType],
    ['IsTruncated', page.isTruncated],
    page.isTruncated && page.nextAfter !== undefined && ['NextMarker', enc(page.nextAfter)],
    ...page.objects.map((o) => contents(o, owner, enc)),
    ...prefixes(page, enc),
  ]);
};

export const listObjectsV2: Handler<ListObjectsV2> = async (ctx) => {
  const { op } = ctx;
  const b = requireBucket(ctx);
  const page = await ctx.storage.metadata.listObjects({
    bucket: op.bucket,
    prefix: op.prefix,
    delimiter: op.delimiter,
    after: op.after,
    maxKeys: op.maxKeys,
  });
  const enc = op.encodingType === 'url' ? urlEncodeKey : identity;
  const owner = op.fetchOwner ? ownerNode(b.owner) : undefined;
  return xmlResult('ListBucketResult', [
    ['Name', op.bucket],
    ['Prefix', enc(op.prefix)],
    op.startAfter !== '' && ['StartAfter', enc(op.startAfter)],
    op.continuationToken !== null && ['ContinuationToken', op.continuationToken],
    ['MaxKeys', op.maxKeys],
    ['Delimiter', enc(op.delimiter)],
    op.encodingType && ['EncodingType', op.encodingType],
    ['IsTruncated', page.isTruncated],
    page.isTruncated && page.nextAfter !== undefined && ['NextContinuationToken', encodeContinuationToken(page.nextAfter)],
    ['KeyCount', page.objects.length + page.commonPrefixes.length],
    ...page.objects.map((o) => contents(o, owner, enc)),
    ...prefixes(page, enc),
  ]);
};
