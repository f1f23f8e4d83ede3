/**
 * PostObject: browser form uploads (`POST /` on a bucket, `multipart/form-data`).
 *
 * The form is the authentication: the pipeline lets PostObject through unauthenticated and this
 * handler, once the fields before `file` are read, verifies the V4 policy signature
 * (`verifyPostPolicyV4` from `@pail/sign/verify`: signature, credential, x-oss-date, policy
 * expiration), authorizes `oss:PutObject` on the form's key for the signing principal (or for
 * anonymous callers when the form carries no signature, which only a public-read-write bucket
 * allows), evaluates the policy conditions, and only then streams the `file` field into storage
 * (never buffered). `content-length-range` is enforced while streaming (too large) and before
 * the commit (too small).
 *
 * Errors as OSS documents them ("PostObject" and "PostObject errors and troubleshooting"):
 * a failed condition is 403 AccessDenied "Invalid according to Policy: Policy Condition failed:
 * …", an expired policy 403 AccessDenied "Invalid according to Policy: Policy expired.", a policy
 * that is not a valid document 400 InvalidPolicyDocument, a body that is not form data 400
 * MalformedPOSTRequest. V1 form signatures (`OSSAccessKeyId` + `Signature`) are not implemented.
 */
import type { PostPolicyFailure } from '@pail/sign/verify';
import { verifyPostPolicyV4 } from '@pail/sign/verify';
import { ANONYMOUS, type Principal } from '../auth/keys.js';
import { OssError } from '../errors/oss-error.js';
import { isoMillis } from '../errors/map.js';
import { objectResource } from '../protocol/access.js';
import { type FormPart, formBoundary, malformedForm, readFieldText, readFormData } from '../protocol/form-data.js';
import { header, isValidHeaderValue, utf8AsLatin1 } from '../protocol/headers.js';
import { checkObjectKey } from '../protocol/names.js';
import type { PostObject } from '../protocol/object-api.js';
import type { ObjectRecord } from '../storage/types.js';
import { forbidOverwrite, uploadAttributes } from './attributes.js';
import { requireBucket, serviceHost, xmlResult } from './common.js';
import type { Handler, HandlerContext, HandlerResult } from './context.js';
import { urlEncodeKey } from './list.js';

/** OSS PostObject limit: 5 GB. */
export const MAX_POST_OBJECT_SIZE = 5 * 1024 ** 3;
/** The placeholder OSS replaces with the uploaded file's name in the `key` field. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: OSS's literal placeholder, not a template.
const FILENAME_VARIABLE = '${filename}';
/** One text field (a policy is a few KB). */
const MAX_FIELD_BYTES = 64 * 1024;
/** All text fields together. */
const MAX_FIELDS_BYTES = 256 * 1024;

function policyDenied(message: string): OssError {
  return new OssError('AccessDenied', { message: `Invalid according to Policy: ${message}` });
}

function invalidPolicy(message: string): OssError {
  return new OssError('InvalidPolicyDocument', { message: `Invalid Policy: ${message}` });
}

/** Maps a form-signature failure to the OSS error (the same choices as errors/map.ts for headers). */
function fromPolicyFailure(f: PostPolicyFailure, now: number): OssError {
  const argument = (name: string | undefined): (readonly [string, string])[] => (name === undefined ? [] : [['ArgumentName', name]]);
  switch (f.reason) {
    case 'SignatureDoesNotMatch':
      return new OssError('SignatureDoesNotMatch');
    case 'InvalidAccessKeyId':
      return new OssError('InvalidAccessKeyId', { details: f.accessKeyId === undefined ? [] : [['OSSAccessKeyId', f.accessKeyId]] });
    case 'InvalidSecurityToken':
      return new OssError('InvalidSecurityToken');
    case 'InvalidRegion':
      return new OssError('AccessDenied', { message: 'The signing region in credential is invalid.', ec: '0002-00000225' });
    case 'Expired':
      // Either the policy's expiration (the verifier's message says so) or an x-oss-date over 7 days old.
      return f.message.startsWith('Invalid according to Policy')
        ? new OssError('AccessDenied', { message: f.message })
        : new OssError('AccessDenied', {
            message: 'Request has expired.',
            details: [
              ['Expires', isoMillis(f.expiresAt ?? now)],
              ['ServerTime', isoMillis(now)],
            ],
          });
    case 'InvalidPolicyDocument':
      return invalidPolicy(f.message);
    case 'PolicyConditionMismatch':
      return policyDenied(`Policy Condition failed: the ${f.parameter ?? 'signing'} condition does not match the form.`);
    case 'MissingParameter':
    case 'MalformedAuthorization':
    case 'InvalidCredential':
    case 'InvalidProduct':
    case 'CredentialDateMismatch':
    case 'InvalidDate':
    case 'NotYetValid':
      return new OssError('InvalidArgument', { message: f.message, details: argument(f.parameter) });
  }
}

/** What the conditions leave to the upload itself. */
interface ContentLengthRange {
  readonly min: number;
  readonly max: number;
}

function conditionText(c: unknown): string {
  return JSON.stringify(c);
}

function nonNegativeInteger(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * Evaluates the policy's conditions (OSS "PostObject", Appendix: Policy): `{"field": "value"}`
 * (exact), `["eq" | "starts-with", "$field", "value"]`, `["in" | "not-in", "$field", [values]]`,
 * `["content-length-range", min, max]`. Field names compare case-insensitively; `$bucket` is the
 * bucket addressed, `$key` the key after `${filename}` substitution; a missing field is "".
 */
export function evaluatePostPolicy(
  conditions: readonly unknown[],
  value: (field: string) => string,
): ContentLengthRange | undefined {
  let range: ContentLengthRange | undefined;
  for (const c of conditions) {
    if (c !== null && typeof c === 'object' && !Array.isArray(c)) {
      const entries = Object.entries(c as Record<string, unknown>);
      if (entries.length !== 1) throw invalidPolicy('Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.');
      const [field, want] = entries[0]!;
      if (typeof want !== 'string') throw invalidPolicy(`Invalid Simple-Condition: the value of ${field} must be a string.`);
      if (value(field.toLowerCase()) !== want) throw policyDenied(`Policy Condition failed: ${conditionText(c)}`);
      continue;
    }
    if (!Array.isArray(c) || c.length === 0 || typeof c[0] !== 'string') throw invalidPolicy(`Invalid condition ${conditionText(c)}.`);
    const op = c[0].toLowerCase();
    if (op === 'content-length-range') {
      const min = nonNegativeInteger(c[1]);
      const max = nonNegativeInteger(c[2]);
      if (c.length !== 3 || min === undefined || max === undefined || max < min) {
        throw invalidPolicy(`Invalid content-length-range condition ${conditionText(c)}.`);
      }
      range = range === undefined ? { min, max } : { min: Math.max(range.min, min), max: Math.min(range.max, max) };
      continue;
    }
    if (c.length !== 3 || typeof c[1] !== 'string' || !c[1].startsWith('$')) throw invalidPolicy(`Invalid condition ${conditionText(c)}.`);
    const actual = value(c[1].slice(1).toLowerCase());
    const want: unknown = c[2];
    let ok: boolean;
    switch (op) {
      case 'eq':
        if (typeof want !== 'string') throw invalidPolicy(`Invalid condition ${conditionText(c)}.`);
        ok = actual === want;
        break;
      case 'starts-with':
        if (typeof want !== 'string') throw invalidPolicy(`Invalid condition ${conditionText(c)}.`);
        ok = actual.startsWith(want);
        break;
      case 'in':
      case 'not-in':
        if (!Array.isArray(want) || !want.every((w) => typeof w === 'string')) throw invalidPolicy(`Invalid condition ${conditionText(c)}.`);
        ok = want.includes(actual) === (op === 'in');
        break;
      default:
        throw invalidPolicy(`Unknown condition ${conditionText(c)}.`);
    }
    if (!ok) throw policyDenied(`Policy Condition failed: ${conditionText(c)}`);
  }
  return range;
}

/** The form's file name without a client-side path (old browsers send `C:\\dir\\name`). */
function baseName(filename: string): string {
  return filename.slice(Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\')) + 1);
}

interface Authenticated {
  readonly principal: Principal;
  readonly conditions: readonly unknown[] | undefined;
}

function authenticateForm(ctx: HandlerContext, fields: ReadonlyMap<string, string>): Authenticated {
  const signed = ['x-oss-signature', 'x-oss-signature-version', 'x-oss-credential'].some((n) => fields.has(n));
  if (!signed) {
    if (fields.has('signature') || fields.has('ossaccesskeyid')) {
      throw new OssError('NotImplemented', { message: 'Pail implements V4-signed PostObject forms only (x-oss-signature-version: OSS4-HMAC-SHA256).' });
    }
    // No signature: an anonymous upload, which the bucket's ACL must allow; a policy alone means nothing.
    return { principal: ANONYMOUS, conditions: undefined };
  }
  const result = verifyPostPolicyV4(Object.fromEntries(fields), {
    now: ctx.now,
    region: ctx.region,
    lookup: (id) => ctx.keys.lookup(id)?.record,
  });
  if (!result.ok) throw fromPolicyFailure(result, ctx.now);
  const entry = ctx.keys.lookup(result.accessKeyId);
  if (entry === undefined) throw new OssError('InvalidAccessKeyId', { details: [['OSSAccessKeyId', result.accessKeyId]] });
  return { principal: entry.principal, conditions: result.conditions };
}

/** Form fields as the request headers an upload would carry (values as their UTF-8 octets). */
function fieldsAsHeaders(fields: ReadonlyMap<string, string>, file: FormPart): Record<string, string> {
  // Null prototype: field names are the client's (`__proto__`, `constructor` are just names).
  const headers: Record<string, string> = Object.create(null);
  for (const [name, value] of fields) {
    const v = utf8AsLatin1(value);
    if (!isValidHeaderValue(v)) throw new OssError('InvalidArgument', { message: `The form field ${name} is not a valid header value.`, details: [['ArgumentName', name]] });
    headers[name] = v;
  }
  // The file part's own type stands in for a missing Content-Type field (browsers always send one).
  if (headers['content-type'] === undefined && file.contentType !== undefined && file.contentType !== 'application/octet-stream') {
    headers['content-type'] = file.contentType;
  }
  return headers;
}

function successResponse(ctx: HandlerContext, fields: ReadonlyMap<string, string>, record: ObjectRecord): HandlerResult {
  const headers: Record<string, string> = { ETag: `"${record.etag}"`, 'x-oss-hash-crc64ecma': record.crc64 };
  const redirect = fields.get('success_action_redirect');
  if (redirect !== undefined && /^https?:\/\/\S+$/i.test(redirect) && isValidHeaderValue(redirect)) {
    const query = `bucket=${urlEncodeKey(record.bucket)}&key=${urlEncodeKey(record.key)}&etag=${urlEncodeKey(`"${record.etag}"`)}`;
    return { status: 303, headers: { ...headers, Location: `${redirect}${redirect.includes('?') ? '&' : '?'}${query}` } };
  }
  const status = fields.get('success_action_status');
  if (status === '200') return { status: 200, headers };
  if (status === '201') {
    const path = record.key.split('/').map(urlEncodeKey).join('/');
    const location = ctx.parsed.style === 'virtual' ? `http://${ctx.hostId}/${path}` : `http://${serviceHost(ctx)}/${record.bucket}/${path}`;
    return {
      ...xmlResult(
        'PostResponse',
        [
          ['Bucket', record.bucket],
          ['Location', location],
          ['Key', record.key],
          ['ETag', `"${record.etag}"`],
        ],
        headers,
      ),
      status: 201,
    };
  }
  return { status: 204, headers };
}

async function upload(ctx: HandlerContext<PostObject>, fields: ReadonlyMap<string, string>, file: FormPart): Promise<HandlerResult> {
  const { op } = ctx;
  const rawKey = fields.get('key');
  if (rawKey === undefined || rawKey === '') {
    throw new OssError('InvalidArgument', { message: "Bucket POST must contain a field named 'key'.", details: [['ArgumentName', 'key']] });
  }
  const key = rawKey.replaceAll(FILENAME_VARIABLE, baseName(file.filename ?? ''));
  checkObjectKey(key);
  const auth = authenticateForm(ctx, fields);
  await ctx.authorize(
    [
      { action: 'oss:PutObject', resource: objectResource(op.bucket, key) },
      ...(fields.has('x-oss-tagging') ? [{ action: 'oss:PutObjectTagging', resource: objectResource(op.bucket, key) }] : []),
    ],
    auth.principal,
  );
  const range =
    auth.conditions === undefined
      ? undefined
      : evaluatePostPolicy(auth.conditions, (field) => (field === 'bucket' ? op.bucket : field === 'key' ? key : (fields.get(field) ?? '')));
  const headers = fieldsAsHeaders(fields, file);
  const record = await ctx.storage.putObject({
    bucket: op.bucket,
    key,
    body: file.body,
    maxSize: Math.min(MAX_POST_OBJECT_SIZE, range?.max ?? MAX_POST_OBJECT_SIZE),
    ...(range === undefined ? {} : { minSize: range.min }),
    forbidOverwrite: forbidOverwrite(headers),
    ...uploadAttributes(headers, key),
    ...(ctx.req.signal ? { signal: ctx.req.signal } : {}),
  });
  ctx.bytesIn = record.size;
  return successResponse(ctx, fields, record);
}

export const postObject: Handler<PostObject> = async (ctx) => {
  requireBucket(ctx);
  const boundary = formBoundary(header(ctx.req.headers, 'content-type'));
  if (boundary === undefined) throw new OssError('RequestIsNotMultiPartContent');
  const fields = new Map<string, string>();
  let total = 0;
  for await (const part of readFormData(ctx.req.body, boundary)) {
    const name = part.name.toLowerCase();
    // `file` must be the last field (OSS): what follows it is not read.
    if (name === 'file') return upload(ctx, fields, part);
    const value = await readFieldText(part, MAX_FIELD_BYTES);
    total += Buffer.byteLength(value);
    if (total > MAX_FIELDS_BYTES) throw malformedForm(`the form fields before file exceed ${MAX_FIELDS_BYTES} bytes.`);
    // Field names are case-insensitive; the first of duplicates counts (and is what the policy is checked against).
    if (!fields.has(name)) fields.set(name, value);
  }
  throw new OssError('InvalidArgument', { message: 'The body of your POST request must contain a file field.', details: [['ArgumentName', 'file']] });
};
