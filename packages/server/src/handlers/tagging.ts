/**
 * Object tagging: PutObjectTagging, GetObjectTagging, DeleteObjectTagging, and the
 * `x-oss-tagging` header of uploads (URL query-string form, `k1=v1&k2=v2`). Tags live on the
 * object record (`ObjectRecord.tags`), changed in place by `MetadataStore.updateObject`.
 *
 * Limits (OSS "Object tagging", EC 0010-00000217 and neighbours): at most 10 tags, keys unique,
 * key 1..128 characters, value 0..256 characters, only letters, digits, space and `+ - = . _ : /`.
 * Anything else is 400 InvalidTag.
 */
import { OssError } from '../errors/oss-error.js';
import type { DeleteObjectTagging, GetObjectTagging, PutObjectTagging } from '../protocol/object-api.js';
import { percentDecode } from '../protocol/target.js';
import type { XmlElement } from '../protocol/xml.js';
import { parseXml } from '../protocol/xml.js';
import { noSuchKey, readSmallBody, requireBucket, xmlResult } from './common.js';
import type { Handler } from './context.js';

export type Tags = Readonly<Record<string, string>>;

export const MAX_TAGS = 10;
export const MAX_TAG_KEY = 128;
export const MAX_TAG_VALUE = 256;
const TAG_CHARS = /^[A-Za-z0-9 +\-=._:/]*$/;
/** A Tagging document is a few KB at most (10 tags of 128 + 256 characters, escaped). */
const MAX_TAGGING_BODY = 64 * 1024;

function invalidTag(message: string): OssError {
  return new OssError('InvalidTag', { message });
}

/** Checks the OSS limits; returns the tags unchanged. */
export function checkTags(tags: Tags): Tags {
  const keys = Object.keys(tags);
  if (keys.length > MAX_TAGS) throw invalidTag(`An object can have at most ${MAX_TAGS} tags.`);
  for (const k of keys) {
    const v = tags[k]!;
    if (k.length === 0 || k.length > MAX_TAG_KEY) throw invalidTag(`A tag key must be 1 to ${MAX_TAG_KEY} characters long.`);
    if (v.length > MAX_TAG_VALUE) throw invalidTag(`A tag value must be at most ${MAX_TAG_VALUE} characters long.`);
    if (!TAG_CHARS.test(k) || !TAG_CHARS.test(v)) {
      throw invalidTag('Tag keys and values may contain only letters, digits, spaces and + - = . _ : /');
    }
  }
  return tags;
}

/**
 * `x-oss-tagging: k1=v1&k2=v2` (each part URL-encoded, `+` a space; a bare `k` is an empty
 * value). Undefined when the header is absent; an empty header means no tags.
 */
export function parseTaggingHeader(value: string | undefined): Tags | undefined {
  if (value === undefined) return undefined;
  const tags: Record<string, string> = Object.create(null);
  if (value.trim() === '') return tags;
  for (const pair of value.split('&')) {
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
    if (rawValue.includes('=')) throw invalidTag('x-oss-tagging must be of the form key1=value1&key2=value2.');
    const k = percentDecode(rawKey, true);
    const v = percentDecode(rawValue, true);
    if (k === undefined || v === undefined) throw invalidTag('x-oss-tagging is not correctly URL-encoded.');
    if (Object.hasOwn(tags, k)) throw invalidTag(`Duplicate tag key: ${k}.`);
    tags[k] = v;
  }
  return checkTags({ ...tags });
}

function elements(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** `<Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging>` → tags. */
export function parseTaggingXml(text: string): Tags {
  const root = parseXml(text);
  const malformed = (detail: string) => new OssError('MalformedXML', { details: [['ErrorDetail', detail]] });
  if (root.name !== 'Tagging') throw malformed('the root node is not named Tagging.');
  const sets = elements(root, 'TagSet');
  if (sets.length !== 1) throw malformed('Tagging must contain one TagSet.');
  const tags: Record<string, string> = Object.create(null);
  for (const tag of elements(sets[0]!, 'Tag')) {
    const keys = elements(tag, 'Key');
    const values = elements(tag, 'Value');
    if (keys.length !== 1 || values.length > 1) throw malformed('a Tag must contain one Key and at most one Value.');
    const k = keys[0]!.text;
    if (Object.hasOwn(tags, k)) throw invalidTag(`Duplicate tag key: ${k}.`);
    tags[k] = values[0]?.text ?? '';
  }
  return checkTags({ ...tags });
}

export const putObjectTagging: Handler<PutObjectTagging> = async (ctx) => {
  const { op } = ctx;
  requireBucket(ctx);
  const body = await readSmallBody(ctx, MAX_TAGGING_BODY);
  const tags = parseTaggingXml(body.toString('utf8'));
  // An empty TagSet leaves the object without tags, like DeleteObjectTagging.
  await ctx.storage.metadata.updateObject(op.bucket, op.key, { tags: Object.keys(tags).length > 0 ? tags : undefined });
  return { status: 200 };
};

export const getObjectTagging: Handler<GetObjectTagging> = async (ctx) => {
  const { op } = ctx;
  requireBucket(ctx);
  const rec = await ctx.storage.metadata.getObject(op.bucket, op.key);
  if (!rec) throw noSuchKey(op.key);
  const tags = Object.entries(rec.tags ?? {});
  return xmlResult('Tagging', [
    [
      'TagSet',
      tags.map(([k, v]) => [
        'Tag',
        [
          ['Key', k],
          ['Value', v],
        ],
      ]),
    ],
  ]);
};

export const deleteObjectTagging: Handler<DeleteObjectTagging> = async (ctx) => {
  const { op } = ctx;
  requireBucket(ctx);
  await ctx.storage.metadata.updateObject(op.bucket, op.key, { tags: undefined });
  return { status: 204 };
};
