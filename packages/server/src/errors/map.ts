/**
 * The one place that turns anything thrown (or a verifier AuthFailure) into an OSS error.
 * Storage throws `StorageError` (domain codes), the verifier reports `AuthFailure` reasons
 * (packages/sign/src/verify-api.ts), the XML reader throws `XmlSyntaxError`; everything else
 * is a bug and becomes a 500 InternalError whose message hides the cause (the log keeps it).
 *
 * Where OSS's exact code, status or EC for a case is not known, the choice is recorded as
 * "Pail's choice" in docs/compatibility.md ("Authentication errors").
 */
import type { AuthFailure } from '@pail/sign/verify';
import { XmlSyntaxError } from '../protocol/xml.js';
import { StorageError } from '../storage/types.js';
import { OssError } from './oss-error.js';

export interface MapContext {
  readonly bucket?: string | null;
  readonly key?: string;
  /** Server time (ms), for `ServerTime` elements. */
  readonly now: number;
}

export interface MappedError {
  readonly error: OssError;
  /** true when the input was not a domain error: log it at error level with its stack. */
  readonly internal: boolean;
}

/** OSS prints times in error bodies as ISO 8601 with milliseconds (`2025-02-03T02:53:25.000Z`). */
export function isoMillis(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString();
}

export function isAuthFailure(e: unknown): e is AuthFailure {
  return typeof e === 'object' && e !== null && (e as { ok?: unknown }).ok === false && typeof (e as { reason?: unknown }).reason === 'string';
}

/** Errors a request body stream raises when the client goes away mid-upload. */
function isClientAbort(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as NodeJS.ErrnoException).code;
  return (
    code === 'ECONNRESET' ||
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    code === 'ABORT_ERR' ||
    e.name === 'AbortError' ||
    e.message === 'aborted'
  );
}

export function toOssError(input: unknown, ctx: MapContext): MappedError {
  if (input instanceof OssError) return { error: input, internal: false };
  if (isAuthFailure(input)) return { error: fromAuthFailure(input, ctx.now), internal: false };
  if (input instanceof StorageError) return { error: fromStorageError(input, ctx), internal: false };
  if (input instanceof XmlSyntaxError) {
    return { error: new OssError('MalformedXML', { details: [['ErrorDetail', input.message]] }), internal: false };
  }
  if (isClientAbort(input)) return { error: new OssError('IncompleteBody', { cause: input }), internal: false };
  return { error: new OssError('InternalError', { cause: input }), internal: true };
}

function bucketDetail(ctx: MapContext, e: StorageError): readonly (readonly [string, string])[] {
  const bucket = e.details['bucket'] ?? ctx.bucket ?? undefined;
  return bucket ? [['BucketName', bucket]] : [];
}

function fromStorageError(e: StorageError, ctx: MapContext): OssError {
  switch (e.code) {
    case 'NoSuchBucket':
    case 'BucketAlreadyExists':
    case 'BucketNotEmpty':
      return new OssError(e.code, { details: bucketDetail(ctx, e), cause: e });
    case 'NoSuchKey': {
      const key = e.details['key'] ?? ctx.key;
      return new OssError('NoSuchKey', { details: key ? [['Key', key]] : [], cause: e });
    }
    case 'InvalidDigest':
      // The body's MD5 differs from Content-MD5 (a malformed header is refused before storage).
      return new OssError('InvalidDigest', { ec: '0017-00000503', cause: e });
    case 'RequestAborted':
      return new OssError('IncompleteBody', { cause: e });
    case 'NoSpaceLeft':
      return new OssError('ServiceUnavailable', { message: 'Not enough free space on the server to store the data.', cause: e });
    case 'FileAlreadyExists':
    case 'IncompleteBody':
    case 'EntityTooLarge':
    case 'NoSuchUpload':
    case 'InvalidPart':
    case 'InvalidPartOrder':
    case 'EntityTooSmall':
    case 'PositionNotEqualToLength':
    case 'ObjectNotAppendable':
      return new OssError(e.code, { cause: e });
  }
}

const V4_MISSING_EC: Readonly<Record<string, string>> = {
  'x-oss-expires': '0002-00000215',
  'x-oss-credential': '0002-00000217',
  'x-oss-signature': '0002-00000219',
};

function argument(name: string | undefined, value: string | undefined): (readonly [string, string])[] {
  const out: (readonly [string, string])[] = [];
  if (name !== undefined) out.push(['ArgumentName', name]);
  if (value !== undefined) out.push(['ArgumentValue', value]);
  return out;
}

/**
 * Maps each verifier reason to one OSS error (oss-signature.md §4.2 and §2.5).
 *
 * Pail's choice where OSS's code/status is unverified: a request that presents a signature
 * which does not verify — whatever part is wrong (credential, scope, dates, expiry, signed
 * headers, the signature itself) — is refused with 403, so a presigned URL with any one signed
 * character changed is always 403. Only requests that are structurally not a signed request
 * (both header and query signature, a required parameter absent, duplicate parameters, an
 * unparseable Authorization header) are 400 InvalidArgument. The EC names the exact cause.
 */
export function fromAuthFailure(f: AuthFailure, now: number): OssError {
  const v1 = f.scheme === 'v1-header' || f.scheme === 'v1-query';
  const query = f.scheme === 'v4-query' || f.scheme === 'v1-query';
  const denied = (ec: string, message: string, details: readonly (readonly [string, string])[] = []) =>
    new OssError('AccessDenied', { message, ec, details });
  switch (f.reason) {
    case 'SignatureDoesNotMatch': {
      const details: (readonly [string, string])[] = [];
      if (v1) {
        if (f.accessKeyId !== undefined) details.push(['OSSAccessKeyId', f.accessKeyId]);
        if (f.signatureProvided !== undefined) details.push(['SignatureProvided', f.signatureProvided]);
        if (f.stringToSign !== undefined) details.push(['StringToSign', f.stringToSign]);
        if (f.stringToSignBytes !== undefined) details.push(['StringToSignBytes', f.stringToSignBytes]);
      } else {
        if (f.canonicalRequest !== undefined) details.push(['CanonicalRequest', f.canonicalRequest]);
        if (f.stringToSign !== undefined) details.push(['StringToSign', f.stringToSign]);
      }
      return new OssError('SignatureDoesNotMatch', { ec: v1 ? '0002-00000040' : '0002-00000201', details });
    }
    case 'Expired':
      return denied('0002-00000069', 'Request has expired.', [
        ['Expires', isoMillis(f.expiresAt ?? now)],
        ['ServerTime', isoMillis(now)],
      ]);
    case 'InvalidAccessKeyId':
      return new OssError('InvalidAccessKeyId', {
        details: f.accessKeyId === undefined ? [] : [['OSSAccessKeyId', f.accessKeyId]],
      });
    case 'RequestTimeTooSkewed':
      return new OssError('RequestTimeTooSkewed', {
        details: [
          ['RequestTime', isoMillis(f.requestTime ?? now)],
          ['ServerTime', isoMillis(now)],
          ['MaxAllowedSkewMilliseconds', '900000'],
        ],
      });
    case 'InvalidSecurityToken':
      return new OssError('InvalidSecurityToken', {});

    // --- structurally not a (single, complete) signed request: 400 -------------------------
    case 'BothQueryAndHeader':
      return new OssError('InvalidArgument', {
        message: 'Either the Signature query string parameter or the Authorization header should be specified, not both.',
        ec: '0002-00000012',
      });
    case 'MissingParameter': {
      const p = f.parameter;
      const ec = (p !== undefined && Object.hasOwn(V4_MISSING_EC, p) ? V4_MISSING_EC[p] : undefined) ?? (v1 ? '0002-00000074' : '0002-00000216');
      return new OssError('InvalidArgument', { message: f.message, ec, details: argument(p, undefined) });
    }
    case 'DuplicateQueryParameter':
      return new OssError('InvalidArgument', { message: f.message, ec: '0002-00000010', details: argument(f.parameter, undefined) });
    case 'MalformedAuthorization':
      if (!query) {
        return new OssError('InvalidArgument', {
          message: f.message || 'Authorization header is invalid.',
          ec: v1 ? '0002-00000011' : '0002-00000213',
          details: argument('Authorization', undefined),
        });
      }
      return denied('0002-00000218', f.message || 'The signature version is not supported.');

    // --- a presented signature whose parts do not check out: 403 ----------------------------
    case 'InvalidCredential':
    case 'InvalidProduct':
      return denied(query ? '0002-00000224' : '0002-00000213', f.message || 'Invalid credential.');
    case 'CredentialDateMismatch':
      return denied('0002-00000223', f.message || 'The date in the credential does not match the request date.');
    case 'InvalidRegion':
      return denied('0002-00000225', 'The signing region in credential is invalid.');
    case 'InvalidDate':
      return query
        ? denied('0002-00000222', f.message || 'x-oss-date is invalid.')
        : denied('0002-00000502', 'OSS authentication requires a valid Date.');
    case 'MissingDate':
      return denied('0002-00000503', 'OSS authentication requires a valid Date.');
    case 'InvalidExpires':
      return denied(v1 ? '0002-00000070' : '0002-00000232', f.message || 'The expiration time in the URL signature is invalid.', argument(f.parameter ?? (v1 ? 'Expires' : 'x-oss-expires'), f.parameterValue));
    case 'NotYetValid':
      return denied('0002-00000235', f.message || 'Request is not valid yet.');
    case 'InvalidContentSha256':
      return denied('0002-00000214', f.message || 'x-oss-content-sha256 must be UNSIGNED-PAYLOAD.');
    case 'InvalidAdditionalHeaders':
      return denied('0002-00000210', f.message || 'The additional headers list is invalid.');
    case 'MissingAdditionalHeader':
      return denied('0002-00000211', f.message || 'A header listed in the additional headers is missing.');
  }
}
