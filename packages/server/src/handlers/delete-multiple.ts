/**
 * DeleteMultipleObjects (`POST /?delete`): up to 1000 keys from a `<Delete>` document.
 *
 * - `Content-MD5` is required (OSS answers `MissingArgument` without it, EC 0016-00000606) and
 *   checked against the body (`InvalidDigest`).
 * - More than 1000 keys, no `<Object>`, an `<Object>` without `<Key>`: `MalformedXML`.
 * - Every key is authorized on its own (`oss:DeleteObject` on `bucket/key`) before anything is
 *   deleted; one denied key refuses the whole request with 403 (OSS's DeleteResult has no
 *   per-key error element, so partial success could not be reported).
 * - A key that does not exist counts as deleted, as for DeleteObject.
 * - Quiet mode answers an empty `<DeleteResult>`; `encoding-type=url` URL-encodes the keys in
 *   the response (the request's keys are plain XML text either way, as every SDK sends them).
 */
import { OssError } from '../errors/oss-error.js';
import { objectResource } from '../protocol/access.js';
import { header } from '../protocol/headers.js';
import { checkObjectKey } from '../protocol/names.js';
import type { DeleteMultipleObjects } from '../protocol/object-api.js';
import { parseXml, type XmlElement, type XmlNode } from '../protocol/xml.js';
import { checkContentMd5Syntax, readSmallBody, requireBucket, xmlResult } from './common.js';
import type { Handler } from './context.js';
import { urlEncodeKey } from './list.js';

export const MAX_DELETE_KEYS = 1000;
/** 1000 keys of up to 1023 UTF-8 bytes, XML-escaped, and the markup around them. */
const MAX_DELETE_BODY = 8 * 1024 * 1024;

function malformed(detail: string): OssError {
  return new OssError('MalformedXML', { details: [['ErrorDetail', detail]] });
}

function elements(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

export function parseDeleteXml(text: string): { quiet: boolean; keys: string[] } {
  const root = parseXml(text);
  if (root.name !== 'Delete') throw malformed('the root node is not named Delete.');
  const quietEls = elements(root, 'Quiet');
  const quietText = quietEls[0]?.text.trim().toLowerCase() ?? 'false';
  if (quietEls.length > 1 || (quietText !== 'true' && quietText !== 'false')) throw malformed('Quiet must be true or false.');
  const objects = elements(root, 'Object');
  if (objects.length === 0) throw malformed('Delete must contain at least one Object.');
  if (objects.length > MAX_DELETE_KEYS) throw malformed(`Delete may contain at most ${MAX_DELETE_KEYS} objects.`);
  const keys = objects.map((o) => {
    const k = elements(o, 'Key');
    if (k.length !== 1) throw malformed('every Object needs exactly one Key.');
    const versions = elements(o, 'VersionId');
    if (versions.length > 0 && versions[0]!.text !== 'null') {
      throw new OssError('NotImplemented', { message: 'Pail does not implement versioning: VersionId other than null.' });
    }
    const key = k[0]!.text;
    checkObjectKey(key);
    return key;
  });
  return { quiet: quietText === 'true', keys };
}

export const deleteMultipleObjects: Handler<DeleteMultipleObjects> = async (ctx) => {
  const { op, req } = ctx;
  requireBucket(ctx);
  const md5 = header(req.headers, 'content-md5');
  if (md5 === undefined) throw new OssError('MissingArgument', { ec: '0016-00000606', details: [['ArgumentName', 'Content-MD5']] });
  checkContentMd5Syntax(md5);
  const body = await readSmallBody(ctx, MAX_DELETE_BODY);
  const { quiet, keys } = parseDeleteXml(body.toString('utf8'));
  // The route could only name `bucket/*`; each key is checked now that the body names them.
  await ctx.authorize(keys.map((key) => ({ action: 'oss:DeleteObject', resource: objectResource(op.bucket, key) })));
  const unique = [...new Set(keys)];
  // One transaction (one commit) for the whole batch.
  await ctx.storage.deleteObjects(op.bucket, unique);
  const enc = op.encodingType === 'url' ? urlEncodeKey : (s: string) => s;
  return xmlResult('DeleteResult', [
    op.encodingType && ['EncodingType', op.encodingType],
    ...(quiet ? [] : unique.map((k): XmlNode => ['Deleted', [['Key', enc(k)]]])),
  ]);
};
