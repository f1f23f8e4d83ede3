/**
 * The error catalogue, the one renderer and the one mapping: every verifier reason and every
 * storage code maps to a catalogued 4xx/5xx OSS error; unknown errors become 500 InternalError
 * without leaking; HEAD errors carry the XML in x-oss-err.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuthFailure, AuthFailureReason } from '@pail/sign/verify';
import { CATALOGUE } from '../src/errors/catalogue.js';
import { isoMillis, toOssError } from '../src/errors/map.js';
import { OssError } from '../src/errors/oss-error.js';
import { errorXml, renderError } from '../src/errors/render.js';
import { XmlSyntaxError } from '../src/protocol/xml.js';
import { StorageError, type StorageErrorCode } from '../src/storage/types.js';
import { xml } from './helpers.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0, 456);

describe('catalogue', () => {
  it('every entry has a 4xx/5xx status, a message and a well-formed EC', () => {
    for (const [code, e] of Object.entries(CATALOGUE)) {
      assert.ok(e.status >= 400 && e.status < 600, code);
      assert.ok(e.message.length > 0, code);
      assert.match(e.ec, /^\d{4}-\d{8}$/, code);
      assert.match(code, /^[A-Z][A-Za-z]+$/);
    }
  });
  it('the statuses SDKs act on', () => {
    const want: Record<string, number> = {
      AccessDenied: 403,
      SignatureDoesNotMatch: 403,
      InvalidAccessKeyId: 403,
      RequestTimeTooSkewed: 403,
      NoSuchKey: 404,
      NoSuchBucket: 404,
      BucketNotEmpty: 409,
      BucketAlreadyExists: 409,
      FileAlreadyExists: 409,
      InvalidArgument: 400,
      InvalidDigest: 400,
      InvalidRange: 416,
      PreconditionFailed: 412,
      NotImplemented: 501,
      InternalError: 500,
      MissingContentLength: 411,
      MethodNotAllowed: 405,
    };
    for (const [code, status] of Object.entries(want)) assert.equal(CATALOGUE[code as keyof typeof CATALOGUE].status, status, code);
  });
});

describe('renderer', () => {
  const ctx = { requestId: '0123456789ABCDEF01234567', hostId: 'bkt.localhost:9000', method: 'GET' };

  it('writes the OSS layout: Code, Message, RequestId, HostId, details, EC, RecommendDoc', () => {
    const err = new OssError('NoSuchKey', { details: [['Key', 'a<&>b']] });
    const text = errorXml(err, ctx);
    assert.equal(
      text,
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>NoSuchKey</Code>\n  <Message>The specified key does not exist.</Message>\n' +
        '  <RequestId>0123456789ABCDEF01234567</RequestId>\n  <HostId>bkt.localhost:9000</HostId>\n  <Key>a&lt;&amp;&gt;b</Key>\n' +
        '  <EC>0026-00000001</EC>\n  <RecommendDoc>https://api.aliyun.com/troubleshoot?q=0026-00000001</RecommendDoc>\n</Error>\n',
    );
    const r = renderError(err, ctx);
    assert.equal(r.status, 404);
    assert.equal(r.headers['Content-Type'], 'application/xml');
    assert.equal(r.headers['x-oss-ec'], '0026-00000001');
    assert.equal(r.body?.toString(), text);
  });

  it('HEAD: no body, the XML base64 in x-oss-err', () => {
    const err = new OssError('AccessDenied');
    const r = renderError(err, { ...ctx, method: 'HEAD' });
    assert.equal(r.body, null);
    assert.equal(Buffer.from(r.headers['x-oss-err']!, 'base64').toString(), errorXml(err, ctx));
    assert.equal(r.headers['x-oss-ec'], err.ec);
  });

  it('extra headers of an error (InvalidRange Content-Range) are sent', () => {
    const r = renderError(new OssError('InvalidRange', { headers: { 'Content-Range': 'bytes */10' } }), ctx);
    assert.equal(r.headers['Content-Range'], 'bytes */10');
    assert.equal(r.status, 416);
  });
});

describe('mapping', () => {
  const REASONS: AuthFailureReason[] = [
    'BothQueryAndHeader',
    'MalformedAuthorization',
    'MissingParameter',
    'InvalidCredential',
    'CredentialDateMismatch',
    'InvalidRegion',
    'InvalidProduct',
    'InvalidDate',
    'MissingDate',
    'InvalidExpires',
    'NotYetValid',
    'Expired',
    'RequestTimeTooSkewed',
    'InvalidContentSha256',
    'InvalidAdditionalHeaders',
    'MissingAdditionalHeader',
    'DuplicateQueryParameter',
    'InvalidAccessKeyId',
    'InvalidSecurityToken',
    'SignatureDoesNotMatch',
  ];

  it('every verifier reason, in every scheme, maps to a 400 or 403 OSS error', () => {
    for (const reason of REASONS) {
      for (const scheme of ['v4-header', 'v4-query', 'v1-header', 'v1-query'] as const) {
        const f: AuthFailure = { ok: false, scheme, reason, message: `m ${reason}` };
        const { error, internal } = toOssError(f, { now: NOW });
        assert.equal(internal, false);
        assert.ok(error.status === 400 || error.status === 403, `${reason} ${scheme} → ${error.status}`);
        assert.match(error.ec, /^0002-\d{8}$/, `${reason} ${scheme}`);
      }
    }
  });

  it('the documented cases (oss-signature.md §4.2)', () => {
    const m = (f: Partial<AuthFailure> & Pick<AuthFailure, 'reason' | 'scheme'>) => toOssError({ ok: false, message: '', ...f }, { now: NOW }).error;

    const expired = m({ reason: 'Expired', scheme: 'v4-query', expiresAt: Date.UTC(2026, 0, 15, 11, 0, 0) });
    assert.deepEqual([expired.code, expired.status, expired.message, expired.ec], ['AccessDenied', 403, 'Request has expired.', '0002-00000069']);
    assert.deepEqual(expired.details, [
      ['Expires', '2026-01-15T11:00:00.000Z'],
      ['ServerTime', '2026-01-15T12:00:00.000Z'],
    ]);

    const skew = m({ reason: 'RequestTimeTooSkewed', scheme: 'v4-header', requestTime: Date.UTC(2026, 0, 15, 11, 0, 0) });
    assert.deepEqual([skew.code, skew.status], ['RequestTimeTooSkewed', 403]);
    assert.deepEqual(skew.details, [
      ['RequestTime', '2026-01-15T11:00:00.000Z'],
      ['ServerTime', '2026-01-15T12:00:00.000Z'],
      ['MaxAllowedSkewMilliseconds', '900000'],
    ]);

    const v4 = m({ reason: 'SignatureDoesNotMatch', scheme: 'v4-header', canonicalRequest: 'CR', stringToSign: 'STS', accessKeyId: 'ak', signatureProvided: 'x' });
    assert.equal(v4.ec, '0002-00000201');
    assert.deepEqual(v4.details, [
      ['CanonicalRequest', 'CR'],
      ['StringToSign', 'STS'],
    ]);
    const v1 = m({ reason: 'SignatureDoesNotMatch', scheme: 'v1-query', stringToSign: 'S', stringToSignBytes: '53 ', signatureProvided: 'sig', accessKeyId: 'ak' });
    assert.equal(v1.ec, '0002-00000040');
    assert.deepEqual(v1.details, [
      ['OSSAccessKeyId', 'ak'],
      ['SignatureProvided', 'sig'],
      ['StringToSign', 'S'],
      ['StringToSignBytes', '53 '],
    ]);

    const unknown = m({ reason: 'InvalidAccessKeyId', scheme: 'v4-query', accessKeyId: 'LTAIx' });
    assert.deepEqual([unknown.code, unknown.status, unknown.details], ['InvalidAccessKeyId', 403, [['OSSAccessKeyId', 'LTAIx']]]);

    const both = m({ reason: 'BothQueryAndHeader', scheme: 'v4-header' });
    assert.deepEqual([both.code, both.status, both.message], [
      'InvalidArgument',
      400,
      'Either the Signature query string parameter or the Authorization header should be specified, not both.',
    ]);
    assert.equal(m({ reason: 'InvalidExpires', scheme: 'v4-query' }).ec, '0002-00000232');
    assert.equal(m({ reason: 'InvalidExpires', scheme: 'v1-query' }).ec, '0002-00000070');
    assert.equal(m({ reason: 'NotYetValid', scheme: 'v4-query' }).ec, '0002-00000235');
    assert.equal(m({ reason: 'MissingParameter', scheme: 'v4-query', parameter: 'x-oss-expires' }).ec, '0002-00000215');
    assert.equal(m({ reason: 'MissingParameter', scheme: 'v4-query', parameter: 'x-oss-credential' }).ec, '0002-00000217');
    assert.equal(m({ reason: 'MissingParameter', scheme: 'v4-query', parameter: 'x-oss-signature' }).ec, '0002-00000219');
    assert.equal(m({ reason: 'InvalidCredential', scheme: 'v4-query' }).ec, '0002-00000224');
    assert.equal(m({ reason: 'CredentialDateMismatch', scheme: 'v4-query' }).ec, '0002-00000223');
    assert.equal(m({ reason: 'InvalidRegion', scheme: 'v4-header' }).message, 'The signing region in credential is invalid.');
    assert.equal(m({ reason: 'MissingDate', scheme: 'v1-header' }).ec, '0002-00000503');
    assert.equal(m({ reason: 'InvalidContentSha256', scheme: 'v4-header' }).ec, '0002-00000214');
  });

  it('every storage code maps to its OSS error, never a 500', () => {
    const codes: StorageErrorCode[] = [
      'NoSuchBucket',
      'BucketAlreadyExists',
      'BucketNotEmpty',
      'NoSuchKey',
      'FileAlreadyExists',
      'InvalidDigest',
      'IncompleteBody',
      'EntityTooLarge',
      'RequestAborted',
      'NoSpaceLeft',
      'NoSuchUpload',
      'InvalidPart',
      'InvalidPartOrder',
      'EntityTooSmall',
      'PositionNotEqualToLength',
      'ObjectNotAppendable',
    ];
    for (const c of codes) {
      const { error, internal } = toOssError(new StorageError(c), { now: NOW, bucket: 'bkt', key: 'k' });
      assert.equal(internal, false, c);
      assert.ok(error.status < 500 || c === 'NoSpaceLeft', `${c} → ${error.status}`);
    }
    const nsk = toOssError(new StorageError('NoSuchKey'), { now: NOW, bucket: 'bkt', key: 'a/b' }).error;
    assert.deepEqual(nsk.details, [['Key', 'a/b']]);
    const nsb = toOssError(new StorageError('NoSuchBucket'), { now: NOW, bucket: 'bkt' }).error;
    assert.deepEqual(nsb.details, [['BucketName', 'bkt']]);
    assert.equal(toOssError(new StorageError('InvalidDigest'), { now: NOW }).error.ec, '0017-00000503');
  });

  it('client aborts and bad XML are 4xx; anything else is 500 InternalError without the cause in the message', () => {
    const reset = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    assert.equal(toOssError(reset, { now: NOW }).error.code, 'IncompleteBody');
    assert.equal(toOssError(new XmlSyntaxError('x'), { now: NOW }).error.code, 'MalformedXML');
    const boom = toOssError(new TypeError('secret internal detail /etc/passwd'), { now: NOW });
    assert.equal(boom.internal, true);
    assert.equal(boom.error.code, 'InternalError');
    assert.equal(boom.error.status, 500);
    const text = errorXml(boom.error, { requestId: 'R', hostId: 'h', method: 'GET' });
    assert.doesNotMatch(text, /secret|passwd/);
    assert.equal(xml(text, 'Message'), CATALOGUE.InternalError.message);
  });

  it('times print as ISO 8601 with .000Z', () => {
    assert.equal(isoMillis(NOW), '2026-01-15T12:00:00.000Z');
  });
});
