/**
 * Every signed component changed by one character must fail verification with the right
 * reason; plus time-window and skew edges, malformed Authorization headers, duplicate and bad
 * parameters (oss-signature.md §2.6, §3, §4).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { presignUrlSync, presignUrlV1Sync, signRequestSync, signRequestV1Sync } from '../src/node.js';
import type { AuthFailureReason, QueryParam, VerifyOptions, VerifyRequest, VerifyResult } from '../src/verify-api.js';
import { verifyRequest } from '../src/verify.js';
import { requestFromUrl, verifyOptions } from './helpers.js';

const T0 = Date.UTC(2024, 11, 3, 3, 44, 20);
const SKEW = 900_000;
const KEY = { accessKeyId: 'LTAI5tNegativeAK', accessKeySecret: 'negative-secret', securityToken: 'sts-token/1+2=' };
const OTHER = { accessKeyId: 'LTAI5tOtherAK', accessKeySecret: 'other-secret' };
const ENDPOINT = 'http://oss-cn-hangzhou.aliyuncs.com';
const BUCKET = 'neg-bucket';
const OBJECT = 'dir/ä b+c (1).txt';

const opts = (now = T0 + 1000, extra: Partial<VerifyOptions> = {}): VerifyOptions => ({
  ...verifyOptions(now, [KEY, OTHER]),
  ...extra,
});

function v4Query(): VerifyRequest {
  const r = presignUrlSync({
    method: 'GET',
    bucket: BUCKET,
    key: OBJECT,
    expires: 3600,
    region: 'cn-hangzhou',
    endpoint: ENDPOINT,
    credentials: KEY,
    headers: { 'Content-Type': 'image/png', 'x-oss-meta-a': 'one', Range: 'bytes=0-9' },
    additionalHeaders: ['range'],
    query: { list: 'x' },
    versionId: 'CAEQ1',
    response: { contentType: 'text/plain' },
    date: T0,
  });
  return requestFromUrl('GET', r.url, BUCKET, { ...r.headers, 'User-Agent': 'test-agent' });
}

function v4Header(): VerifyRequest {
  const r = signRequestSync(
    {
      method: 'PUT',
      bucket: BUCKET,
      key: OBJECT,
      query: { acl: null, versionId: 'CAEQ1' },
      headers: { 'Content-Type': 'text/plain', 'x-oss-object-acl': 'private', Range: 'bytes=0-9', 'User-Agent': 'u' },
    },
    KEY,
    { region: 'cn-hangzhou', endpoint: ENDPOINT, additionalHeaders: ['range'], date: T0 },
  );
  return requestFromUrl('PUT', r.url!, BUCKET, r.headers);
}

function v1Query(): VerifyRequest {
  const r = presignUrlV1Sync({
    method: 'GET',
    bucket: BUCKET,
    key: OBJECT,
    expires: 3600,
    endpoint: ENDPOINT,
    credentials: KEY,
    headers: { 'Content-Type': 'image/png', 'x-oss-meta-a': 'one' },
    versionId: 'CAEQ1',
    process: 'image/resize,w_10',
    query: { prefix: 'not-a-subresource' },
    date: T0,
  });
  return requestFromUrl('GET', r.url, BUCKET, r.headers);
}

function v1Header(): VerifyRequest {
  const r = signRequestV1Sync(
    {
      method: 'PUT',
      bucket: BUCKET,
      key: OBJECT,
      query: { acl: null, versionId: 'CAEQ1' },
      headers: { 'Content-Type': 'text/plain', 'Content-MD5': 'XUFAKrxLKna5cZ2REBfFkg==', 'x-oss-object-acl': 'private' },
    },
    KEY,
    { endpoint: ENDPOINT, date: T0 },
  );
  return requestFromUrl('PUT', r.url!, BUCKET, r.headers);
}

/** Change one character: the last one that can be changed within its class. */
function bump(s: string): string {
  for (let i = s.length - 1; i >= 0; i--) {
    const c = s[i]!;
    const n = /[0-8]/.test(c)
      ? String(+c + 1)
      : c === '9'
        ? '8'
        : /[a-eA-E]/.test(c)
          ? String.fromCharCode(c.charCodeAt(0) + 1)
          : /[f-yF-Y]/.test(c)
            ? String.fromCharCode(c.charCodeAt(0) + 1)
            : undefined;
    if (n !== undefined) return s.slice(0, i) + n + s.slice(i + 1);
  }
  return s + 'x';
}

function flipFirst(s: string): string {
  return (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
}

function setQuery(req: VerifyRequest, name: string, value: string | undefined): VerifyRequest {
  const query: QueryParam[] = [];
  let found = false;
  for (const p of req.query) {
    if (p.name !== name) query.push(p);
    else if (value !== undefined) query.push({ name, value, hasValue: true });
    found ||= p.name === name;
  }
  if (!found && value !== undefined) query.push({ name, value, hasValue: true });
  return { ...req, query };
}

function queryValue(req: VerifyRequest, name: string): string {
  const p = req.query.find((x) => x.name === name);
  assert.ok(p, `query has ${name}`);
  return p.value;
}

function setHeader(req: VerifyRequest, name: string, value: string | undefined): VerifyRequest {
  const headers = { ...req.headers };
  if (value === undefined) delete headers[name];
  else headers[name] = value;
  return { ...req, headers };
}

function expectFail(r: VerifyResult, reason: AuthFailureReason, label: string): Extract<VerifyResult, { ok: false }> {
  assert.equal(r.ok, false, `${label}: expected ${reason}, got ok`);
  if (r.ok) throw new Error('unreachable');
  assert.equal(r.reason, reason, `${label}: ${r.message}`);
  return r;
}

function expectOk(r: VerifyResult, label: string): void {
  assert.equal(r.ok, true, `${label}: ${JSON.stringify(r)}`);
}

describe('baselines verify', () => {
  test('all four schemes', () => {
    for (const [name, req] of Object.entries({ v4Query: v4Query(), v4Header: v4Header(), v1Query: v1Query(), v1Header: v1Header() })) {
      const r = verifyRequest(req, opts());
      expectOk(r, name);
      assert.equal(r.accessKeyId, KEY.accessKeyId);
      assert.equal(r.ok && r.securityToken, KEY.securityToken);
    }
  });
  test('anonymous requests pass with accessKeyId null', () => {
    const r = verifyRequest({ method: 'GET', bucket: 'b', key: 'k', query: [], headers: {} }, opts());
    assert.deepEqual({ ...r }, { ok: true, scheme: 'anonymous', accessKeyId: null });
  });
});

describe('one-character changes to signed components (V4 presigned URL)', () => {
  const base = v4Query();
  const cases: [string, VerifyRequest, AuthFailureReason][] = [
    ['method', { ...base, method: 'HEAD' }, 'SignatureDoesNotMatch'],
    ['bucket', { ...base, bucket: bump(BUCKET) }, 'SignatureDoesNotMatch'],
    ['key', { ...base, key: bump(base.key) }, 'SignatureDoesNotMatch'],
    ['key: trailing slash', { ...base, key: base.key + '/' }, 'SignatureDoesNotMatch'],
    ['key: normalised dot segment', { ...base, key: './' + base.key }, 'SignatureDoesNotMatch'],
    ['signature', setQuery(base, 'x-oss-signature', bump(queryValue(base, 'x-oss-signature'))), 'SignatureDoesNotMatch'],
    ['signature upper-case', setQuery(base, 'x-oss-signature', queryValue(base, 'x-oss-signature').toUpperCase()), 'SignatureDoesNotMatch'],
    ['signature too short', setQuery(base, 'x-oss-signature', queryValue(base, 'x-oss-signature').slice(1)), 'SignatureDoesNotMatch'],
    ['signature too long', setQuery(base, 'x-oss-signature', queryValue(base, 'x-oss-signature') + '0'), 'SignatureDoesNotMatch'],
    ['x-oss-date second', setQuery(base, 'x-oss-date', bump(queryValue(base, 'x-oss-date'))), 'SignatureDoesNotMatch'],
    ['x-oss-date day', setQuery(base, 'x-oss-date', '20241204T034420Z'), 'CredentialDateMismatch'],
    ['x-oss-date malformed', setQuery(base, 'x-oss-date', '20241203X034420Z'), 'InvalidDate'],
    ['x-oss-date impossible', setQuery(base, 'x-oss-date', '20241203T246020Z'), 'InvalidDate'],
    ['x-oss-expires', setQuery(base, 'x-oss-expires', '3601'), 'SignatureDoesNotMatch'],
    ['x-oss-signature-version', setQuery(base, 'x-oss-signature-version', 'OSS4-HMAC-SHA257'), 'MalformedAuthorization'],
    [
      'credential access key',
      setQuery(base, 'x-oss-credential', queryValue(base, 'x-oss-credential').replace('Negative', 'Negativf')),
      'InvalidAccessKeyId',
    ],
    [
      'credential access key of another valid key',
      setQuery(base, 'x-oss-credential', queryValue(base, 'x-oss-credential').replace(KEY.accessKeyId, OTHER.accessKeyId)),
      'SignatureDoesNotMatch',
    ],
    ['credential day', setQuery(base, 'x-oss-credential', queryValue(base, 'x-oss-credential').replace('20241203', '20241202')), 'CredentialDateMismatch'],
    ['credential bad day', setQuery(base, 'x-oss-credential', queryValue(base, 'x-oss-credential').replace('20241203', '20241303')), 'InvalidCredential'],
    ['credential region', setQuery(base, 'x-oss-credential', queryValue(base, 'x-oss-credential').replace('cn-hangzhou', 'cn-hangzhov')), 'InvalidRegion'],
    ['credential product', setQuery(base, 'x-oss-credential', queryValue(base, 'x-oss-credential').replace('/oss/', '/osr/')), 'InvalidProduct'],
    ['credential terminator', setQuery(base, 'x-oss-credential', queryValue(base, 'x-oss-credential').replace('v4_request', 'v4_requesu')), 'InvalidCredential'],
    ['credential missing part', setQuery(base, 'x-oss-credential', queryValue(base, 'x-oss-credential').replace('/oss', '')), 'InvalidCredential'],
    ['security token', setQuery(base, 'x-oss-security-token', bump(KEY.securityToken)), 'InvalidSecurityToken'],
    ['security token removed', setQuery(base, 'x-oss-security-token', undefined), 'InvalidSecurityToken'],
    ['additional headers name', setQuery(base, 'x-oss-additional-headers', 'rangf'), 'MissingAdditionalHeader'],
    ['additional header named like an Object.prototype member', setQuery(base, 'x-oss-additional-headers', 'constructor'), 'MissingAdditionalHeader'],
    ['additional headers upper-case', setQuery(base, 'x-oss-additional-headers', 'Range'), 'InvalidAdditionalHeaders'],
    ['additional headers trailing ;', setQuery(base, 'x-oss-additional-headers', 'range;'), 'InvalidAdditionalHeaders'],
    ['additional headers empty', setQuery(base, 'x-oss-additional-headers', ''), 'InvalidAdditionalHeaders'],
    ['additional headers unsorted', setQuery(setHeader(base, 'abc', '1'), 'x-oss-additional-headers', 'range;abc'), 'InvalidAdditionalHeaders'],
    ['additional headers extended', setQuery(setHeader(base, 'user-agent', 'x'), 'x-oss-additional-headers', 'range;user-agent'), 'SignatureDoesNotMatch'],
    ['additional headers removed', setQuery(base, 'x-oss-additional-headers', undefined), 'SignatureDoesNotMatch'],
    ['user query value', setQuery(base, 'list', 'y'), 'SignatureDoesNotMatch'],
    ['user query removed', setQuery(base, 'list', undefined), 'SignatureDoesNotMatch'],
    ['user query added', setQuery(base, 'lisu', 'x'), 'SignatureDoesNotMatch'],
    ['versionId', setQuery(base, 'versionId', 'CAEQ2'), 'SignatureDoesNotMatch'],
    ['response-content-type', setQuery(base, 'response-content-type', 'text/plaio'), 'SignatureDoesNotMatch'],
    ['signed header content-type', setHeader(base, 'content-type', 'image/pnh'), 'SignatureDoesNotMatch'],
    ['signed header content-type removed', setHeader(base, 'content-type', undefined), 'SignatureDoesNotMatch'],
    ['signed header x-oss-meta-a', setHeader(base, 'x-oss-meta-a', 'onf'), 'SignatureDoesNotMatch'],
    ['unsigned x-oss header added', setHeader(base, 'x-oss-meta-b', 'new'), 'SignatureDoesNotMatch'],
    ['content-md5 added', setHeader(base, 'content-md5', 'XUFAKrxLKna5cZ2REBfFkg=='), 'SignatureDoesNotMatch'],
    ['additional header range', setHeader(base, 'range', 'bytes=0-8'), 'SignatureDoesNotMatch'],
    ['additional header range removed', setHeader(base, 'range', undefined), 'MissingAdditionalHeader'],
    ['x-oss-content-sha256 bogus', setHeader(base, 'x-oss-content-sha256', 'abc'), 'InvalidContentSha256'],
  ];
  for (const [label, req, reason] of cases) {
    test(label, () => {
      const r = expectFail(verifyRequest(req, opts()), reason, label);
      if (reason === 'SignatureDoesNotMatch') {
        assert.ok(r.canonicalRequest?.startsWith(req.method + '\n'), 'echoes the canonical request');
        assert.ok(r.stringToSign?.startsWith('OSS4-HMAC-SHA256\n'), 'echoes the string to sign');
        assert.equal(r.accessKeyId, queryValue(req, 'x-oss-credential').split('/')[0]);
      }
    });
  }
  test('unsigned headers may change', () => {
    expectOk(verifyRequest(setHeader(base, 'user-agent', 'other'), opts()), 'user-agent');
    expectOk(verifyRequest(setHeader(base, 'if-none-match', '"x"'), opts()), 'new unsigned header');
  });
  test('region this server serves', () => {
    expectFail(verifyRequest(base, opts(T0, { region: 'cn-beijing' })), 'InvalidRegion', 'server region');
  });
  test('wire order of parameters does not matter', () => {
    expectOk(verifyRequest({ ...base, query: [...base.query].reverse() }, opts()), 'reversed');
  });
  test('the canonical request echoed on mismatch is readable UTF-8', () => {
    const r = expectFail(verifyRequest({ ...base, method: 'PUT' }, opts()), 'SignatureDoesNotMatch', 'method');
    assert.ok(r.canonicalRequest!.includes('/neg-bucket/dir/%C3%A4%20b%2Bc%20%281%29.txt\n'));
  });
});

describe('V4 presigned URL: missing and bad parameters', () => {
  const base = v4Query();
  for (const name of ['x-oss-signature-version', 'x-oss-credential', 'x-oss-date', 'x-oss-expires', 'x-oss-signature']) {
    test(`missing ${name}`, () => {
      const r = expectFail(verifyRequest(setQuery(base, name, undefined), opts()), 'MissingParameter', name);
      assert.equal(r.parameter, name);
      const e = expectFail(verifyRequest(setQuery(base, name, ''), opts()), 'MissingParameter', `${name} empty`);
      assert.equal(e.parameter, name);
    });
  }
  for (const bad of ['0', '604801', 'abc', '1.5', '-1', '+5', ' 5', '1e3', '0604800x']) {
    test(`x-oss-expires=${JSON.stringify(bad)}`, () => {
      const r = expectFail(verifyRequest(setQuery(base, 'x-oss-expires', bad), opts()), 'InvalidExpires', bad);
      assert.equal(r.parameter, 'x-oss-expires');
      assert.equal(r.parameterValue, bad);
    });
  }
  test('x-oss-expires 604800 is accepted as a value (signature then decides)', () => {
    expectFail(verifyRequest(setQuery(base, 'x-oss-expires', '604800'), opts()), 'SignatureDoesNotMatch', '604800');
  });
  test('duplicate parameters', () => {
    for (const name of ['list', 'x-oss-signature', 'x-oss-date']) {
      const dup = { ...base, query: [...base.query, { name, value: queryValue(base, name), hasValue: true }] };
      const r = expectFail(verifyRequest(dup, opts()), 'DuplicateQueryParameter', name);
      assert.equal(r.parameter, name);
    }
  });
  test('duplicate detection also for long queries', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ name: `p${i}`, value: '', hasValue: false }));
    const dup = { ...base, query: [...base.query, ...many, { name: 'p7', value: '', hasValue: false }] };
    expectFail(verifyRequest(dup, opts()), 'DuplicateQueryParameter', 'p7');
  });
  test('query signature plus Authorization header', () => {
    const r = expectFail(
      verifyRequest(setHeader(base, 'authorization', 'OSS4-HMAC-SHA256 Credential=a/b/c/d/e,Signature=0'), opts()),
      'BothQueryAndHeader',
      'both',
    );
    assert.match(r.message, /not both/);
  });
});

describe('time windows', () => {
  test('V4 presigned: x-oss-date − 15 min ≤ now ≤ x-oss-date + expires', () => {
    const base = v4Query();
    expectOk(verifyRequest(base, opts(T0 - SKEW)), 'earliest');
    expectOk(verifyRequest(base, opts(T0 + 3600_000)), 'last millisecond');
    const early = expectFail(verifyRequest(base, opts(T0 - SKEW - 1)), 'NotYetValid', 'too early');
    assert.equal(early.requestTime, T0);
    const late = expectFail(verifyRequest(base, opts(T0 + 3600_001)), 'Expired', 'expired');
    assert.equal(late.expiresAt, T0 + 3600_000);
    assert.equal(late.message, 'Request has expired.');
    expectOk(verifyRequest(base, opts(T0 - 60_001, { maxSkewMs: 60_001 })), 'custom skew');
    expectFail(verifyRequest(base, opts(T0 - 60_001, { maxSkewMs: 60_000 })), 'NotYetValid', 'custom skew');
  });
  test('V4 header: |now − x-oss-date| ≤ 15 min', () => {
    const base = v4Header();
    expectOk(verifyRequest(base, opts(T0 - SKEW)), '-15 min');
    expectOk(verifyRequest(base, opts(T0 + SKEW)), '+15 min');
    for (const now of [T0 - SKEW - 1, T0 + SKEW + 1]) {
      const r = expectFail(verifyRequest(base, opts(now)), 'RequestTimeTooSkewed', String(now - T0));
      assert.equal(r.requestTime, T0);
    }
  });
  test('V1 presigned: now ≤ Expires', () => {
    const base = v1Query();
    const expires = Number(queryValue(base, 'Expires')) * 1000;
    assert.equal(expires, T0 + 3600_000);
    expectOk(verifyRequest(base, opts(expires)), 'last millisecond');
    const r = expectFail(verifyRequest(base, opts(expires + 1)), 'Expired', 'expired');
    assert.equal(r.expiresAt, expires);
  });
  test('V1 header: skew against x-oss-date, else Date; MissingDate without either', () => {
    const base = v1Header();
    expectOk(verifyRequest(base, opts(T0 + SKEW)), '+15 min');
    expectFail(verifyRequest(base, opts(T0 + SKEW + 1)), 'RequestTimeTooSkewed', 'late');
    expectFail(verifyRequest(base, opts(T0 - SKEW - 1)), 'RequestTimeTooSkewed', 'early');
    const noDate = setHeader(base, 'x-oss-date', undefined);
    expectFail(verifyRequest(noDate, opts()), 'MissingDate', 'no date');
    const withDate = setHeader(noDate, 'date', base.headers['x-oss-date'] as string);
    // The Date header now is the date line, but the signed x-oss-date line is gone.
    expectFail(verifyRequest(withDate, opts()), 'SignatureDoesNotMatch', 'Date instead of x-oss-date');
    expectFail(verifyRequest(setHeader(base, 'x-oss-date', 'yesterday-ish'), opts()), 'InvalidDate', 'garbage date');
  });
});

describe('malformed V4 Authorization headers', () => {
  const base = v4Header();
  const auth = base.headers['authorization'] as string;
  const m = /^OSS4-HMAC-SHA256 Credential=([^,]+),AdditionalHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(auth);
  assert.ok(m, auth);
  const [, cred, ah, sig] = m;
  const ok: [string, string][] = [
    ['", " separators', `OSS4-HMAC-SHA256 Credential=${cred}, AdditionalHeaders=${ah}, Signature=${sig}`],
    ['oss2 order (AdditionalHeaders last)', `OSS4-HMAC-SHA256 Credential=${cred}, Signature=${sig}, AdditionalHeaders=${ah}`],
    ['Signature first', `OSS4-HMAC-SHA256 Signature=${sig},Credential=${cred},AdditionalHeaders=${ah}`],
    ['spaces around =', `OSS4-HMAC-SHA256 Credential = ${cred} ,AdditionalHeaders= ${ah},Signature =${sig}`],
  ];
  for (const [label, a] of ok) test(`accepted: ${label}`, () => expectOk(verifyRequest(setHeader(base, 'authorization', a), opts()), label));
  const bad: [string, string, AuthFailureReason][] = [
    ['scheme only', 'OSS4-HMAC-SHA256', 'MalformedAuthorization'],
    ['scheme glued', `OSS4-HMAC-SHA256Credential=${cred},Signature=${sig}`, 'MalformedAuthorization'],
    ['no Credential', `OSS4-HMAC-SHA256 AdditionalHeaders=${ah},Signature=${sig}`, 'MalformedAuthorization'],
    ['no Signature', `OSS4-HMAC-SHA256 Credential=${cred},AdditionalHeaders=${ah}`, 'MalformedAuthorization'],
    ['unknown field', `OSS4-HMAC-SHA256 Credential=${cred},SignedHeaders=host,Signature=${sig}`, 'MalformedAuthorization'],
    ['field twice', `OSS4-HMAC-SHA256 Credential=${cred},Credential=${cred},Signature=${sig}`, 'MalformedAuthorization'],
    ['field without =', `OSS4-HMAC-SHA256 Credential=${cred},AdditionalHeaders,Signature=${sig}`, 'MalformedAuthorization'],
    ['trailing comma', `OSS4-HMAC-SHA256 Credential=${cred},AdditionalHeaders=${ah},Signature=${sig},`, 'MalformedAuthorization'],
    ['other scheme', `AWS4-HMAC-SHA256 Credential=${cred},Signature=${sig}`, 'MalformedAuthorization'],
    ['bearer', 'Bearer abc', 'MalformedAuthorization'],
    ['empty', '', 'MalformedAuthorization'],
    ['empty AdditionalHeaders', `OSS4-HMAC-SHA256 Credential=${cred},AdditionalHeaders=,Signature=${sig}`, 'InvalidAdditionalHeaders'],
    ['AdditionalHeaders host;', `OSS4-HMAC-SHA256 Credential=${cred},AdditionalHeaders=range;,Signature=${sig}`, 'InvalidAdditionalHeaders'],
    ['dropped AdditionalHeaders', `OSS4-HMAC-SHA256 Credential=${cred},Signature=${sig}`, 'SignatureDoesNotMatch'],
    ['credential with 4 parts', `OSS4-HMAC-SHA256 Credential=${cred!.replace('/oss', '')},Signature=${sig}`, 'InvalidCredential'],
    ['credential dashed date', `OSS4-HMAC-SHA256 Credential=${cred!.replace('20241203', '2024-12-03')},Signature=${sig}`, 'InvalidCredential'],
    ['empty signature', `OSS4-HMAC-SHA256 Credential=${cred},AdditionalHeaders=${ah},Signature=`, 'SignatureDoesNotMatch'],
    ['one-char signature change', `OSS4-HMAC-SHA256 Credential=${cred},AdditionalHeaders=${ah},Signature=${bump(sig!)}`, 'SignatureDoesNotMatch'],
  ];
  for (const [label, a, reason] of bad) {
    test(`rejected: ${label}`, () => {
      expectFail(verifyRequest(setHeader(base, 'authorization', a), opts()), reason, label);
    });
  }
  test('array-valued Authorization', () => {
    expectFail(verifyRequest(setHeader(base, 'authorization', [auth] as unknown as string), opts()), 'MalformedAuthorization', 'array');
  });
  test('missing x-oss-date header', () => {
    const r = expectFail(verifyRequest(setHeader(base, 'x-oss-date', undefined), opts()), 'MissingDate', 'no date');
    assert.equal(r.parameter, 'x-oss-date');
  });
  test('header components changed by one character', () => {
    const cases: [string, VerifyRequest, AuthFailureReason][] = [
      ['method', { ...base, method: 'POST' }, 'SignatureDoesNotMatch'],
      ['key', { ...base, key: bump(base.key) }, 'SignatureDoesNotMatch'],
      ['bucket', { ...base, bucket: bump(BUCKET) }, 'SignatureDoesNotMatch'],
      ['acl → bare/empty equivalence kept, value added', setQuery(base, 'acl', 'x'), 'SignatureDoesNotMatch'],
      ['versionId', setQuery(base, 'versionId', 'CAEQ2'), 'SignatureDoesNotMatch'],
      ['x-oss-date one second', setHeader(base, 'x-oss-date', '20241203T034421Z'), 'SignatureDoesNotMatch'],
      ['x-oss-object-acl', setHeader(base, 'x-oss-object-acl', 'privatf'), 'SignatureDoesNotMatch'],
      ['content-type', setHeader(base, 'content-type', 'text/plaio'), 'SignatureDoesNotMatch'],
      ['range', setHeader(base, 'range', 'bytes=0-8'), 'SignatureDoesNotMatch'],
      ['token', setHeader(base, 'x-oss-security-token', bump(KEY.securityToken)), 'InvalidSecurityToken'],
      ['token removed', setHeader(base, 'x-oss-security-token', undefined), 'InvalidSecurityToken'],
      ['content sha256', setHeader(base, 'x-oss-content-sha256', 'UNSIGNED-PAYLOAE'), 'InvalidContentSha256'],
    ];
    for (const [label, req, reason] of cases) expectFail(verifyRequest(req, opts()), reason, label);
    expectOk(verifyRequest(setHeader(base, 'user-agent', 'other'), opts()), 'unsigned user-agent');
    expectOk(verifyRequest(setQuery(base, 'acl', ''), opts()), 'acl= and acl are the same');
  });
});

describe('V1', () => {
  test('presigned URL components', () => {
    const base = v1Query();
    const cases: [string, VerifyRequest, AuthFailureReason][] = [
      ['method', { ...base, method: 'HEAD' }, 'SignatureDoesNotMatch'],
      ['key', { ...base, key: bump(base.key) }, 'SignatureDoesNotMatch'],
      ['bucket', { ...base, bucket: bump(BUCKET) }, 'SignatureDoesNotMatch'],
      ['Expires', setQuery(base, 'Expires', String(Number(queryValue(base, 'Expires')) + 1)), 'SignatureDoesNotMatch'],
      ['Expires abc', setQuery(base, 'Expires', 'abc'), 'InvalidExpires'],
      ['Expires 1.5', setQuery(base, 'Expires', '1.5'), 'InvalidExpires'],
      ['Signature', setQuery(base, 'Signature', bump(queryValue(base, 'Signature'))), 'SignatureDoesNotMatch'],
      ['Signature first char', setQuery(base, 'Signature', flipFirst(queryValue(base, 'Signature'))), 'SignatureDoesNotMatch'],
      ['Signature short', setQuery(base, 'Signature', queryValue(base, 'Signature').slice(0, 20)), 'SignatureDoesNotMatch'],
      ['OSSAccessKeyId', setQuery(base, 'OSSAccessKeyId', bump(KEY.accessKeyId)), 'InvalidAccessKeyId'],
      ['OSSAccessKeyId other key', setQuery(base, 'OSSAccessKeyId', OTHER.accessKeyId), 'SignatureDoesNotMatch'],
      ['security-token', setQuery(base, 'security-token', bump(KEY.securityToken)), 'InvalidSecurityToken'],
      ['versionId (sub-resource)', setQuery(base, 'versionId', 'CAEQ2'), 'SignatureDoesNotMatch'],
      ['x-oss-process (sub-resource)', setQuery(base, 'x-oss-process', 'image/resize,w_11'), 'SignatureDoesNotMatch'],
      ['content-type', setHeader(base, 'content-type', 'image/pnh'), 'SignatureDoesNotMatch'],
      ['x-oss-meta-a', setHeader(base, 'x-oss-meta-a', 'onf'), 'SignatureDoesNotMatch'],
      ['missing Signature', setQuery(base, 'Signature', undefined), 'MissingParameter'],
      ['missing Expires', setQuery(base, 'Expires', undefined), 'MissingParameter'],
      ['duplicate', { ...base, query: [...base.query, base.query[0]!] }, 'DuplicateQueryParameter'],
    ];
    for (const [label, req, reason] of cases) expectFail(verifyRequest(req, opts()), reason, label);
    // Non-sub-resource parameters are not signed in V1 (§3.2).
    expectOk(verifyRequest(setQuery(base, 'prefix', 'changed'), opts()), 'prefix is not signed');
    const r = expectFail(verifyRequest({ ...base, method: 'PUT' }, opts()), 'SignatureDoesNotMatch', 'echo');
    assert.ok(r.stringToSign!.startsWith('PUT\n\nimage/png\n'));
    assert.ok(r.stringToSign!.includes(`/${BUCKET}/${OBJECT}?security-token=`), r.stringToSign);
    assert.equal(r.signatureProvided, queryValue(base, 'Signature'));
    assert.equal(r.accessKeyId, KEY.accessKeyId);
    assert.match(r.stringToSignBytes!, /^50 55 54 0A (?:[0-9A-F]{2} )+$/);
    // The bytes are the UTF-8 octets: 'ä' is C3 A4.
    assert.ok(r.stringToSignBytes!.includes(' C3 A4 '));
  });
  test('header components and malformed headers', () => {
    const base = v1Header();
    const auth = base.headers['authorization'] as string;
    const cases: [string, VerifyRequest, AuthFailureReason][] = [
      ['method', { ...base, method: 'POST' }, 'SignatureDoesNotMatch'],
      ['key', { ...base, key: bump(base.key) }, 'SignatureDoesNotMatch'],
      ['content-md5', setHeader(base, 'content-md5', bump('XUFAKrxLKna5cZ2REBfFkg==')), 'SignatureDoesNotMatch'],
      ['content-type', setHeader(base, 'content-type', 'text/plaio'), 'SignatureDoesNotMatch'],
      ['x-oss-object-acl', setHeader(base, 'x-oss-object-acl', 'privatf'), 'SignatureDoesNotMatch'],
      ['acl value', setQuery(base, 'acl', 'x'), 'SignatureDoesNotMatch'],
      ['signature', setHeader(base, 'authorization', auth.slice(0, -2) + (auth.at(-2) === 'A' ? 'B' : 'A') + '='), 'SignatureDoesNotMatch'],
      ['access key', setHeader(base, 'authorization', auth.replace('Negative', 'Negativf')), 'InvalidAccessKeyId'],
      ['no colon', setHeader(base, 'authorization', 'OSS LTAI5tNegativeAK'), 'MalformedAuthorization'],
      ['empty access key', setHeader(base, 'authorization', 'OSS :abc'), 'MalformedAuthorization'],
      ['empty signature', setHeader(base, 'authorization', 'OSS LTAI5tNegativeAK:'), 'MalformedAuthorization'],
      ['V1 header plus V1 query', setQuery(base, 'Signature', 'x'), 'BothQueryAndHeader'],
      ['token', setHeader(base, 'x-oss-security-token', 'nope'), 'InvalidSecurityToken'],
    ];
    for (const [label, req, reason] of cases) expectFail(verifyRequest(req, opts()), reason, label);
    expectOk(verifyRequest(setQuery(base, 'max-keys', '5'), opts()), 'non-sub-resource parameter');
  });
  test('x-oss-* query names are sub-resources in V1 (Go rule)', () => {
    const r = presignUrlV1Sync({
      bucket: BUCKET,
      key: 'k',
      expires: 60,
      endpoint: ENDPOINT,
      credentials: OTHER,
      query: { 'x-oss-custom': 'a', other: 'b' },
      date: T0,
    });
    const req = requestFromUrl('GET', r.url, BUCKET, {});
    expectOk(verifyRequest(req, opts(T0)), 'baseline');
    expectFail(verifyRequest(setQuery(req, 'x-oss-custom', 'b'), opts(T0)), 'SignatureDoesNotMatch', 'x-oss-custom');
    expectOk(verifyRequest(setQuery(req, 'other', 'c'), opts(T0)), 'other');
    assert.ok(r.stringToSign.endsWith('/neg-bucket/k?x-oss-custom=a'));
  });
});

describe('lookups and caches', () => {
  test('the access key is looked up before any signature work, once', () => {
    const base = v4Query();
    const seen: string[] = [];
    const o: VerifyOptions = {
      now: T0,
      region: 'cn-hangzhou',
      lookup: (id) => {
        seen.push(id);
        return undefined;
      },
    };
    const r = expectFail(verifyRequest(base, o), 'InvalidAccessKeyId', 'unknown');
    assert.deepEqual(seen, [KEY.accessKeyId]);
    assert.equal(r.canonicalRequest, undefined);
    assert.equal(r.accessKeyId, KEY.accessKeyId);
  });
  test('no lookup for requests failing format checks', () => {
    let calls = 0;
    const o: VerifyOptions = {
      now: T0,
      region: 'cn-hangzhou',
      lookup: () => {
        calls++;
        return KEY;
      },
    };
    verifyRequest(setQuery(v4Query(), 'x-oss-expires', '0'), o);
    verifyRequest(setQuery(v4Query(), 'x-oss-credential', 'x'), o);
    verifyRequest({ ...v4Query(), query: [...v4Query().query, v4Query().query[0]!] }, o);
    assert.equal(calls, 0);
  });
  test('a rotated secret is not served from the signing-key cache', () => {
    const base = v4Query();
    expectOk(verifyRequest(base, opts()), 'first');
    const rotated: VerifyOptions = { ...opts(), lookup: () => ({ ...KEY, accessKeySecret: 'rotated' }) };
    expectFail(verifyRequest(base, rotated), 'SignatureDoesNotMatch', 'rotated');
    expectOk(verifyRequest(base, opts()), 'again');
  });
});
