/**
 * Multipart uploads: InitiateMultipartUpload, UploadPart, UploadPartCopy,
 * CompleteMultipartUpload, AbortMultipartUpload, ListParts, ListMultipartUploads.
 *
 * Parts are blobs (UploadPart) or slices of another object's blobs (UploadPartCopy); Complete
 * turns the chosen parts into the object's segment list in one transaction, O(parts), without
 * reading or copying a byte (docs/durability.md, "Multipart and append"). The object's ETag is
 * `<MD5 of the part MD5s>-<count>`, its CRC-64 combined from the part CRCs.
 */
import { OssError } from '../errors/oss-error.js';
import { header, isoDate } from '../protocol/headers.js';
import type {
  AbortMultipartUpload,
  CompleteMultipartUpload,
  InitiateMultipartUpload,
  ListMultipartUploads,
  ListParts,
  UploadPart,
  UploadPartCopy,
} from '../protocol/object-api.js';
import { MAX_PART_NUMBER } from '../protocol/object-api.js';
import { parseObjectAcl } from '../protocol/operations.js';
import { parseXml, type XmlElement, type XmlNode } from '../protocol/xml.js';
import type { ObjectRecord } from '../storage/types.js';
import { contentLength, forbidOverwrite, uploadAttributes } from './attributes.js';
import { checkContentMd5Syntax, readSmallBody, requireBucket, serviceHost, xmlResult } from './common.js';
import type { Handler, HandlerContext } from './context.js';
import { checkCopySourceConditions, NotModified, notModifiedResult } from './copy.js';
import { urlEncodeKey } from './list.js';

/** OSS UploadPart limit: 5 GB. */
export const MAX_PART_SIZE = 5 * 1024 ** 3;
/** 10 000 parts of ~90 bytes each fit with room to spare; anything larger is not a part list. */
const MAX_COMPLETE_BODY = 4 * 1024 * 1024;

const identity = (s: string): string => s;
const encoder = (encodingType: 'url' | null) => (encodingType === 'url' ? urlEncodeKey : identity);

function malformed(detail: string): OssError {
  return new OssError('MalformedXML', { details: [['ErrorDetail', detail]] });
}

export const initiateMultipartUpload: Handler<InitiateMultipartUpload> = async (ctx) => {
  const { op, req } = ctx;
  requireBucket(ctx);
  const attributes = uploadAttributes(req.headers, op.key);
  // x-oss-forbid-overwrite is checked here (early) and again, atomically, at Complete.
  if (forbidOverwrite(req.headers) && (await ctx.storage.metadata.getObject(op.bucket, op.key)) !== undefined) {
    throw new OssError('FileAlreadyExists');
  }
  const upload = await ctx.storage.initiateMultipartUpload({ bucket: op.bucket, key: op.key, ...attributes });
  const enc = encoder(op.encodingType);
  return xmlResult('InitiateMultipartUploadResult', [
    op.encodingType && ['EncodingType', op.encodingType],
    ['Bucket', op.bucket],
    ['Key', enc(op.key)],
    ['UploadId', upload.uploadId],
  ]);
};

export const uploadPart: Handler<UploadPart> = async (ctx) => {
  const { op, req } = ctx;
  requireBucket(ctx);
  const expectedSize = contentLength(req.headers, MAX_PART_SIZE);
  const contentMd5 = header(req.headers, 'content-md5');
  if (contentMd5 !== undefined) checkContentMd5Syntax(contentMd5);
  const part = await ctx.storage.uploadPart({
    bucket: op.bucket,
    key: op.key,
    uploadId: op.uploadId,
    partNumber: op.partNumber,
    body: req.body,
    ...(expectedSize === undefined ? {} : { expectedSize }),
    ...(contentMd5 === undefined ? {} : { contentMd5 }),
    ...(req.signal ? { signal: req.signal } : {}),
  });
  ctx.bytesIn = part.size;
  return {
    status: 200,
    headers: {
      ETag: `"${part.etag}"`,
      'x-oss-hash-crc64ecma': part.crc64,
      'Content-MD5': Buffer.from(part.etag, 'hex').toString('base64'),
    },
  };
};

export const uploadPartCopy: Handler<UploadPartCopy> = async (ctx) => {
  const { op, req } = ctx;
  requireBucket(ctx);
  const prepare = (source: ObjectRecord): { start: number; end: number } | undefined => {
    checkCopySourceConditions(req.headers, source, ctx.now);
    if (source.objectType === 'Symlink') {
      // OSS EC 0042-00000308: the source of UploadPartCopy cannot be a symbolic link.
      throw new OssError('InvalidArgument', {
        message: 'The source object of UploadPartCopy cannot be a symbolic link.',
        ec: '0042-00000308',
        details: [['ArgumentName', 'x-oss-copy-source']],
      });
    }
    if (op.range === null) return undefined;
    if (op.range.start >= source.size) {
      throw new OssError('InvalidRange', {
        headers: { 'Content-Range': `bytes */${source.size}` },
        details: [
          ['RangeRequested', `bytes=${op.range.start}-${op.range.end}`],
          ['ActualObjectSize', String(source.size)],
        ],
      });
    }
    // As for a Range header: a last byte past the end means "to the end".
    return { start: op.range.start, end: Math.min(op.range.end, source.size - 1) };
  };
  try {
    const part = await ctx.storage.uploadPartCopy({
      bucket: op.bucket,
      key: op.key,
      uploadId: op.uploadId,
      partNumber: op.partNumber,
      source: op.source,
      prepare,
      ...(req.signal ? { signal: req.signal } : {}),
    });
    return xmlResult(
      'CopyPartResult',
      [
        ['LastModified', isoDate(part.lastModified)],
        ['ETag', `"${part.etag}"`],
      ],
      { 'x-oss-hash-crc64ecma': part.crc64 },
    );
  } catch (e) {
    if (e instanceof NotModified) return notModifiedResult(e.record);
    throw e;
  }
};

function elements(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** The `CompleteMultipartUpload` document: `<Part><PartNumber/><ETag/></Part>…`. */
export function parseCompleteXml(text: string): { partNumber: number; etag: string }[] {
  const root = parseXml(text);
  if (root.name !== 'CompleteMultipartUpload') throw malformed('the root node is not named CompleteMultipartUpload.');
  const parts = elements(root, 'Part');
  if (parts.length === 0) throw malformed('CompleteMultipartUpload must list at least one Part.');
  if (parts.length > MAX_PART_NUMBER) throw malformed(`CompleteMultipartUpload may list at most ${MAX_PART_NUMBER} parts.`);
  return parts.map((p) => {
    const numbers = elements(p, 'PartNumber');
    const etags = elements(p, 'ETag');
    if (numbers.length !== 1 || etags.length !== 1) throw malformed('every Part needs one PartNumber and one ETag.');
    const text = numbers[0]!.text.trim();
    const n = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
    if (!(n >= 1 && n <= MAX_PART_NUMBER)) throw malformed(`PartNumber ${text} is not an integer between 1 and ${MAX_PART_NUMBER}.`);
    return { partNumber: n, etag: etags[0]!.text.trim() };
  });
}

/** `Location` of a completed object: the URL the client would GET it from. */
function locationOf(ctx: HandlerContext, bucket: string, key: string): string {
  const path = key.split('/').map(urlEncodeKey).join('/');
  return ctx.parsed.style === 'virtual' ? `http://${ctx.hostId}/${path}` : `http://${serviceHost(ctx)}/${bucket}/${path}`;
}

export const completeMultipartUpload: Handler<CompleteMultipartUpload> = async (ctx) => {
  const { op, req } = ctx;
  requireBucket(ctx);
  const body = await readSmallBody(ctx, MAX_COMPLETE_BODY);
  let parts: { partNumber: number; etag: string }[] | 'all';
  if (op.completeAll) {
    // x-oss-complete-all: yes completes with every uploaded part; a part list as well is ambiguous.
    if (body.toString('utf8').trim() !== '') {
      throw new OssError('InvalidArgument', {
        message: 'With x-oss-complete-all: yes the request body must be empty.',
        details: [['ArgumentName', 'x-oss-complete-all']],
      });
    }
    parts = 'all';
  } else {
    parts = parseCompleteXml(body.toString('utf8'));
  }
  const acl = parseObjectAcl(header(req.headers, 'x-oss-object-acl'));
  const record = await ctx.storage.completeMultipartUpload({
    bucket: op.bucket,
    key: op.key,
    uploadId: op.uploadId,
    parts,
    forbidOverwrite: forbidOverwrite(req.headers),
    ...(acl === undefined ? {} : { acl }),
  });
  const enc = encoder(op.encodingType);
  return xmlResult(
    'CompleteMultipartUploadResult',
    [
      op.encodingType && ['EncodingType', op.encodingType],
      ['Location', locationOf(ctx, op.bucket, op.key)],
      ['Bucket', op.bucket],
      ['Key', enc(op.key)],
      ['ETag', `"${record.etag}"`],
    ],
    { ETag: `"${record.etag}"`, 'x-oss-hash-crc64ecma': record.crc64 },
  );
};

export const abortMultipartUpload: Handler<AbortMultipartUpload> = async (ctx) => {
  const { op } = ctx;
  requireBucket(ctx);
  await ctx.storage.abortMultipartUpload({ bucket: op.bucket, key: op.key, uploadId: op.uploadId });
  return { status: 204 };
};

export const listParts: Handler<ListParts> = async (ctx) => {
  const { op } = ctx;
  requireBucket(ctx);
  const ref = { bucket: op.bucket, key: op.key, uploadId: op.uploadId };
  const upload = await ctx.storage.metadata.getMultipartUpload(ref);
  if (upload === undefined) throw new OssError('NoSuchUpload');
  const page = await ctx.storage.metadata.listParts(ref, { partNumberMarker: op.partNumberMarker, maxParts: op.maxParts });
  const enc = encoder(op.encodingType);
  return xmlResult('ListPartsResult', [
    op.encodingType && ['EncodingType', op.encodingType],
    ['Bucket', op.bucket],
    ['Key', enc(op.key)],
    ['UploadId', op.uploadId],
    ['StorageClass', upload.storageClass],
    ['PartNumberMarker', op.partNumberMarker],
    ['NextPartNumberMarker', page.nextPartNumberMarker ?? op.partNumberMarker],
    ['MaxParts', op.maxParts],
    ['IsTruncated', page.isTruncated],
    ...page.parts.map(
      (p): XmlNode => [
        'Part',
        [
          ['PartNumber', p.partNumber],
          ['LastModified', isoDate(p.lastModified)],
          ['ETag', `"${p.etag}"`],
          ['HashCrc64ecma', p.crc64],
          ['Size', p.size],
        ],
      ],
    ),
  ]);
};

export const listMultipartUploads: Handler<ListMultipartUploads> = async (ctx) => {
  const { op } = ctx;
  requireBucket(ctx);
  const page = await ctx.storage.metadata.listMultipartUploads({
    bucket: op.bucket,
    prefix: op.prefix,
    delimiter: op.delimiter,
    keyMarker: op.keyMarker,
    uploadIdMarker: op.uploadIdMarker,
    maxUploads: op.maxUploads,
  });
  const enc = encoder(op.encodingType);
  return xmlResult('ListMultipartUploadsResult', [
    op.encodingType && ['EncodingType', op.encodingType],
    ['Bucket', op.bucket],
    ['KeyMarker', enc(op.keyMarker)],
    ['UploadIdMarker', op.uploadIdMarker],
    ['NextKeyMarker', enc(page.nextKeyMarker ?? '')],
    ['NextUploadIdMarker', page.nextUploadIdMarker ?? ''],
    ['Delimiter', enc(op.delimiter)],
    ['Prefix', enc(op.prefix)],
    ['MaxUploads', op.maxUploads],
    ['IsTruncated', page.isTruncated],
    ...page.uploads.map(
      (u): XmlNode => [
        'Upload',
        [
          ['Key', enc(u.key)],
          ['UploadId', u.uploadId],
          ['StorageClass', u.storageClass],
          ['Initiated', isoDate(u.initiated)],
        ],
      ],
    ),
    ...page.commonPrefixes.map((p): XmlNode => ['CommonPrefixes', [['Prefix', enc(p)]]]),
  ]);
};
