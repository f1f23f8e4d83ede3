/**
 * Public API behaviour: option validation, addressing (virtual-hosted, path-style, CNAME, IP),
 * region derivation, nasty keys end to end, request-target decoding, PostObject policies.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as web from '../src/index.js';
import {
  buildRequestUrl,
  presignUrlSync,
  presignUrlV1Sync,
  resolveRegion,
  signPostPolicyV4Sync,
  signRequestSync,
  signRequestV1Sync,
} from '../src/node.js';
import type { PresignOptions } from '../src/types.js';
import { decodeQuery, isPresignedQuery, percentDecodePath, verifyPostPolicyV4, verifyRequest } from '../src/verify.js';
import { prng, requestFromUrl, splitUrl, verifyOptions } from './helpers.js';

const T0 = Date.UTC(2025, 0, 2, 3, 4, 5);
const CRED = { accessKeyId: 'LTAI5tApiTest', accessKeySecret: 'api-secret' };
const base: PresignOptions = { bucket: 'api-bucket', key: 'a/b.txt', expires: 60, region: 'cn-hangzhou', credentials: CRED, date: T0 };
const verifyAt = (now = T0) => verifyOptions(now, [CRED]);

describe('presignUrl options', () => {
  test('expires must be an integer in 1..604800 (RangeError), also from the async API', async () => {
    for (const expires of [0, -1, 604801, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => presignUrlSync({ ...base, expires }), RangeError, String(expires));
      await assert.rejects(web.presignUrl({ ...base, expires }), RangeError);
    }
    assert.match(presignUrlSync({ ...base, expires: 604800 }).url, /x-oss-expires=604800/);
    assert.match(presignUrlSync({ ...base, expires: 1 }).url, /x-oss-expires=1&/);
  });

  test('default URL: https, virtual-hosted, signature last, expiresAt', () => {
    const r = presignUrlSync(base);
    assert.ok(r.url.startsWith('https://api-bucket.oss-cn-hangzhou.aliyuncs.com/a/b.txt?'), r.url);
    assert.match(r.url, /&x-oss-signature=[0-9a-f]{64}$/);
    assert.equal(r.method, 'GET');
    assert.equal(r.expiresAt.getTime(), T0 + 60_000);
    assert.deepEqual(r.headers, {});
    assert.deepEqual(r.signedHeaders, []);
  });

  test('clock: Date and epoch ms are the same; sub-second part is truncated', () => {
    assert.equal(presignUrlSync({ ...base, date: new Date(T0) }).url, presignUrlSync({ ...base, date: T0 + 999 }).url);
    assert.throws(() => presignUrlSync({ ...base, date: Number.NaN }), TypeError);
  });

  test('region: bare or oss- prefixed, derived from aliyuncs endpoints, else a TypeError asking for it', () => {
    const bare = presignUrlSync(base).url;
    assert.equal(presignUrlSync({ ...base, region: 'oss-cn-hangzhou' }).url, bare);
    const derived = [
      ['oss-cn-hangzhou.aliyuncs.com', 'cn-hangzhou'],
      ['oss-cn-hangzhou-internal.aliyuncs.com', 'cn-hangzhou'],
      ['https://oss-ap-southeast-1.aliyuncs.com', 'ap-southeast-1'],
      ['http://oss-us-west-1.aliyuncs.com:80/', 'us-west-1'],
      ['OSS-CN-BEIJING.ALIYUNCS.COM', 'cn-beijing'],
    ] as const;
    for (const [endpoint, region] of derived) {
      assert.equal(resolveRegion(undefined, endpoint), region, endpoint);
      const r = presignUrlSync({ ...base, region: undefined, endpoint });
      assert.ok(r.url.includes(`%2F${region}%2Foss%2F`), r.url);
    }
    for (const endpoint of ['oss-accelerate.aliyuncs.com', 'http://localhost:9000', 'cdn.example.com']) {
      assert.throws(() => presignUrlSync({ ...base, region: undefined, endpoint }), /region is required/, endpoint);
    }
    assert.throws(() => presignUrlSync({ ...base, region: undefined }), /region is required/);
    assert.throws(() => presignUrlSync({ ...base, region: 'cn hangzhou' }), TypeError);
  });

  test('endpoint forms and addressing', () => {
    const url = (o: Partial<PresignOptions>) => splitUrl(presignUrlSync({ ...base, ...o }).url);
    assert.equal(url({ endpoint: 'oss-cn-hangzhou.aliyuncs.com' }).origin, 'https://api-bucket.oss-cn-hangzhou.aliyuncs.com');
    assert.equal(url({ endpoint: 'oss-cn-hangzhou.aliyuncs.com', secure: false }).origin, 'http://api-bucket.oss-cn-hangzhou.aliyuncs.com');
    assert.equal(url({ endpoint: 'https://s3.example.com:443' }).origin, 'https://api-bucket.s3.example.com');
    assert.equal(url({ endpoint: 'https://s3.example.com:8443' }).origin, 'https://api-bucket.s3.example.com:8443');
    const path = url({ endpoint: 'http://localhost:9000', pathStyle: true });
    assert.equal(path.origin, 'http://localhost:9000');
    assert.equal(path.path, '/api-bucket/a/b.txt');
    const ip = url({ endpoint: 'http://127.0.0.1:9000' });
    assert.equal(ip.origin + ip.path, 'http://127.0.0.1:9000/api-bucket/a/b.txt', 'IP endpoints imply path-style');
    const cname = url({ endpoint: 'https://cdn.example.com', cname: true });
    assert.equal(cname.origin + cname.path, 'https://cdn.example.com/a/b.txt');
    for (const endpoint of ['ftp://x', 'http://h/path', 'http://h?x', 'http://user@h', 'http://h:99999', 'h h', '']) {
      assert.throws(() => presignUrlSync({ ...base, endpoint }), TypeError, endpoint);
    }
  });

  test('CNAME and path-style URLs still sign /bucket/key (§1.3) and verify', () => {
    for (const o of [
      { endpoint: 'https://cdn.example.com', cname: true },
      { endpoint: 'http://localhost:9000', pathStyle: true },
      {},
    ]) {
      const r = presignUrlSync({ ...base, ...o });
      assert.ok(r.canonicalRequest.startsWith('GET\n/api-bucket/a/b.txt\n'), r.canonicalRequest);
      const req = requestFromUrl('GET', r.url, o.endpoint?.includes('cdn') ? null : 'api-bucket', {});
      const fixed = o.endpoint?.includes('cdn') ? { ...req, bucket: 'api-bucket', key: req.key } : req;
      assert.equal(verifyRequest(fixed, verifyAt()).ok, true, JSON.stringify(o));
    }
  });

  test('convenience query options and order', () => {
    const r = presignUrlSync({
      ...base,
      query: { z: '1', empty: '', bare: null, skipped: undefined },
      versionId: 'CAEQ',
      process: 'image/resize,w_100',
      trafficLimit: 819200,
      response: { contentType: 'text/plain', contentDisposition: 'attachment; filename="a b.txt"', cacheControl: 'no-cache' },
    });
    const q = splitUrl(r.url).query;
    assert.ok(
      q.startsWith(
        'z=1&empty=&bare&versionId=CAEQ&response-content-type=text%2Fplain&response-content-disposition=attachment%3B%20filename%3D%22a%20b.txt%22&response-cache-control=no-cache&x-oss-process=image%2Fresize%2Cw_100&x-oss-traffic-limit=819200&x-oss-credential=',
      ),
      q,
    );
    assert.ok(r.canonicalRequest.includes('\nbare&empty&response-cache-control=no-cache&'), r.canonicalRequest);
    assert.equal(verifyRequest(requestFromUrl('GET', r.url, 'api-bucket', {}), verifyAt()).ok, true);
  });

  test('parameters the signer owns, or given twice, are refused', () => {
    for (const query of [{ 'x-oss-signature': 'x' }, { 'x-oss-date': 'x' }, { 'x-oss-credential': 'x' }, { versionId: 'a' }]) {
      assert.throws(() => presignUrlSync({ ...base, query, versionId: 'b' }), /duplicate or reserved/);
    }
    assert.throws(() => presignUrlV1Sync({ ...base, query: { Signature: 'x' } }), /duplicate or reserved/);
    assert.throws(() => presignUrlV1Sync({ ...base, query: { Expires: '1' } }), /duplicate or reserved/);
  });

  test('headers: signed ones are returned; additionalHeaders; host filled from the URL', () => {
    const r = presignUrlSync({
      ...base,
      method: 'put',
      headers: { 'Content-Type': 'image/png', 'x-oss-meta-a': '1', Range: 'bytes=0-1', 'User-Agent': 'ua' },
      additionalHeaders: ['Range', 'host', 'x-oss-meta-a', 'RANGE'],
      endpoint: 'http://localhost:9000',
      pathStyle: true,
    });
    assert.equal(r.method, 'PUT');
    assert.deepEqual(r.signedHeaders, ['content-type', 'host', 'range', 'x-oss-meta-a']);
    assert.deepEqual(r.headers, { 'Content-Type': 'image/png', 'x-oss-meta-a': '1', Range: 'bytes=0-1', host: 'localhost:9000' });
    assert.match(r.url, /x-oss-additional-headers=host%3Brange&/);
    const req = requestFromUrl('PUT', r.url, 'api-bucket', { ...r.headers, 'User-Agent': 'other' });
    assert.equal(verifyRequest(req, verifyAt()).ok, true);
    assert.throws(() => presignUrlSync({ ...base, additionalHeaders: ['range'] }), /not in headers/);
    assert.throws(() => presignUrlSync({ ...base, headers: { a: 'x', A: 'y' } }), TypeError);
    assert.throws(() => presignUrlSync({ ...base, headers: { a: 'x\r\nb: y' } }), TypeError);
    assert.throws(() => presignUrlSync({ ...base, headers: { 'bad name': 'x' } }), TypeError);
    for (const method of ['GE T', '', 'G\nET', 'GET1']) assert.throws(() => presignUrlSync({ ...base, method }), TypeError, method);
  });

  test('credentials are checked', () => {
    for (const credentials of [
      { accessKeyId: '', accessKeySecret: 's' },
      { accessKeyId: ' a', accessKeySecret: 's' },
      { accessKeyId: 'a', accessKeySecret: 's ' },
      { accessKeyId: 'a/b', accessKeySecret: 's' },
      { accessKeyId: 'a', accessKeySecret: 's', securityToken: '' },
      undefined as never,
    ]) {
      assert.throws(() => presignUrlSync({ ...base, credentials }), TypeError, JSON.stringify(credentials));
    }
  });
});

describe('keys and buckets', () => {
  const nasty = [
    'a b+c%20d#e?f(g)h*i!j\'k~l',
    '中文/测试 文件.txt',
    'emoji-😀/🎉',
    'dir//double',
    './dot',
    '../up/../x',
    'a/./b/../c',
    '/leading',
    'trailing/',
    '%2E%2E/%2F',
    '+',
    ' ',
    'x'.repeat(1023),
    '中'.repeat(341),
  ];
  test('nasty keys survive presign → wire → decode → verify, never normalised', () => {
    for (const key of nasty) {
      for (const o of [{}, { endpoint: 'http://localhost:9000', pathStyle: true }]) {
        const r = presignUrlSync({ ...base, key, ...o });
        const req = requestFromUrl('GET', r.url, 'api-bucket', {});
        assert.equal(req.key, key, `decoded key for ${key}`);
        const v = verifyRequest(req, verifyAt());
        assert.equal(v.ok, true, `${key}: ${JSON.stringify(v)}`);
        const path = splitUrl(r.url).path;
        assert.ok(!/[ #?!'()*]/.test(path), `strictly encoded path: ${path}`);
      }
    }
  });
  test('key limits: 1..1023 UTF-8 bytes, no lone surrogates, not empty', () => {
    assert.throws(() => presignUrlSync({ ...base, key: 'x'.repeat(1024) }), RangeError);
    assert.throws(() => presignUrlSync({ ...base, key: '中'.repeat(342) }), RangeError, '1026 bytes');
    assert.throws(() => presignUrlSync({ ...base, key: '' }), RangeError);
    assert.throws(() => presignUrlSync({ ...base, key: 'a\ud800b' }), TypeError);
    assert.throws(() => presignUrlSync({ ...base, key: '\udc00' }), TypeError);
    assert.throws(() => presignUrlSync({ ...base, bucket: undefined }), /key given without bucket/);
    assert.throws(() => signRequestSync({ key: 'k' }, CRED, { region: 'cn-hangzhou' }), TypeError);
  });
  test('bucket names', () => {
    for (const bucket of ['ab', 'a'.repeat(64), '-ab', 'ab-', 'Ab1', 'a_b', 'a.b', '']) {
      assert.throws(() => presignUrlSync({ ...base, bucket }), TypeError, bucket);
    }
    for (const bucket of ['abc', 'a'.repeat(63), 'a-1', '123']) presignUrlSync({ ...base, bucket });
  });
  test('bucket-level and service-level requests', () => {
    const list = presignUrlSync({ ...base, key: undefined, query: { prefix: 'a/' } });
    assert.ok(list.canonicalRequest.startsWith('GET\n/api-bucket/\nprefix=a%2F&'), list.canonicalRequest);
    assert.ok(list.url.startsWith('https://api-bucket.oss-cn-hangzhou.aliyuncs.com/?prefix=a%2F&'));
    const svc = signRequestSync({}, CRED, { region: 'cn-hangzhou' });
    assert.ok(svc.canonicalRequest.startsWith('GET\n/\n\n'));
    assert.equal(svc.url, 'https://oss-cn-hangzhou.aliyuncs.com/');
  });
});

describe('signRequest / signRequestV1', () => {
  test('V4 adds x-oss-date, x-oss-content-sha256, token and authorization; replaces caller values', async () => {
    const r = signRequestSync(
      {
        method: 'PUT',
        bucket: 'api-bucket',
        key: 'k',
        headers: { 'X-OSS-Date': 'old', Authorization: 'old', 'Content-Type': 'text/plain', 'x-oss-content-sha256': 'UNSIGNED-PAYLOAD' },
      },
      { ...CRED, securityToken: 'tok' },
      { region: 'cn-hangzhou', date: T0, endpoint: 'http://localhost:9000', pathStyle: true },
    );
    assert.deepEqual(r.headers, {
      'Content-Type': 'text/plain',
      'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
      'x-oss-date': '20250102T030405Z',
      'x-oss-security-token': 'tok',
      authorization: r.authorization,
    });
    assert.match(r.authorization, /^OSS4-HMAC-SHA256 Credential=LTAI5tApiTest\/20250102\/cn-hangzhou\/oss\/aliyun_v4_request,Signature=[0-9a-f]{64}$/);
    assert.equal(r.url, 'http://localhost:9000/api-bucket/k');
    assert.deepEqual(r.target, {
      url: 'http://localhost:9000/api-bucket/k',
      protocol: 'http:',
      host: 'localhost:9000',
      hostname: 'localhost',
      port: 9000,
      path: '/api-bucket/k',
    });
    assert.deepEqual(await web.signRequest(
      { method: 'PUT', bucket: 'api-bucket', key: 'k', headers: { 'Content-Type': 'text/plain' } },
      { ...CRED, securityToken: 'tok' },
      { region: 'cn-hangzhou', date: T0, endpoint: 'http://localhost:9000', pathStyle: true },
    ), r);
    assert.throws(
      () => signRequestSync({ headers: { 'x-oss-content-sha256': 'abc' } }, CRED, { region: 'cn-hangzhou' }),
      /UNSIGNED-PAYLOAD/,
    );
    assert.throws(() => signRequestSync({}, CRED, {}), /region is required/);
  });
  test('V1 signs x-oss-date from the clock, or a caller Date header as the date line', () => {
    const a = signRequestV1Sync({ bucket: 'api-bucket', key: 'k' }, CRED, { date: T0 });
    assert.equal(a.headers['x-oss-date'], 'Thu, 02 Jan 2025 03:04:05 GMT');
    assert.equal(a.stringToSign, 'GET\n\n\nThu, 02 Jan 2025 03:04:05 GMT\nx-oss-date:Thu, 02 Jan 2025 03:04:05 GMT\n/api-bucket/k');
    assert.equal(a.url, undefined, 'no URL without endpoint or region');
    const b = signRequestV1Sync({ bucket: 'api-bucket', key: 'k', headers: { Date: 'Thu, 02 Jan 2025 03:04:05 GMT' } }, CRED, { date: 0 });
    assert.equal(b.headers['x-oss-date'], undefined);
    assert.equal(b.stringToSign, 'GET\n\n\nThu, 02 Jan 2025 03:04:05 GMT\n/api-bucket/k');
    const req = { method: 'GET', bucket: 'api-bucket', key: 'k', query: [], headers: { date: b.headers['Date']!, authorization: b.authorization } };
    assert.equal(verifyRequest(req, verifyAt()).ok, true);
  });
  test('V1 presign: Expires = floor(date / 1000) + expires; no upper limit besides 2^31 s', () => {
    const r = presignUrlV1Sync({ ...base, date: T0 + 999, expires: 10 * 365 * 86400 });
    assert.equal(r.expiresAt.getTime(), T0 + 10 * 365 * 86400_000);
    assert.match(r.url, new RegExp(`Expires=${T0 / 1000 + 10 * 365 * 86400}&Signature=`));
    assert.throws(() => presignUrlV1Sync({ ...base, endpoint: undefined, region: undefined }), /region is required/);
    assert.throws(() => presignUrlV1Sync({ ...base, region: 'bad region' }), /invalid region/);
    assert.throws(() => signRequestV1Sync({ bucket: 'api-bucket' }, CRED, { region: 'bad region' }), /invalid region/);
  });
});

describe('buildRequestUrl', () => {
  test('same addressing as the presigners', () => {
    assert.deepEqual(buildRequestUrl({ endpoint: 'http://127.0.0.1:9000', bucket: 'api-bucket', key: 'a b', query: { acl: null, x: 'y z' } }), {
      url: 'http://127.0.0.1:9000/api-bucket/a%20b?acl&x=y%20z',
      protocol: 'http:',
      host: '127.0.0.1:9000',
      hostname: '127.0.0.1',
      port: 9000,
      path: '/api-bucket/a%20b?acl&x=y%20z',
    });
    assert.equal(buildRequestUrl({ region: 'cn-shanghai', bucket: 'api-bucket' }).url, 'https://api-bucket.oss-cn-shanghai.aliyuncs.com/');
    assert.equal(buildRequestUrl({ region: 'cn-shanghai' }).url, 'https://oss-cn-shanghai.aliyuncs.com/');
  });
});

describe('request-target decoding for the server', () => {
  test('decodeQuery', () => {
    assert.deepEqual(decodeQuery(''), []);
    assert.deepEqual(decodeQuery('a&b=&c=1=2&d=x+y%2Bz&&e%20f=%E4%B8%AD'), [
      { name: 'a', value: '', hasValue: false },
      { name: 'b', value: '', hasValue: true },
      { name: 'c', value: '1=2', hasValue: true },
      { name: 'd', value: 'x y+z', hasValue: true },
      { name: 'e f', value: '中', hasValue: true },
    ]);
    for (const [raw, why] of [
      ['a=%zz', /malformed percent-encoding/],
      ['a=%E4%B8', /not valid UTF-8/],
      ['a=%C0%AF', /not valid UTF-8/],
      ['a=%ED%A0%80', /not valid UTF-8/],
      ['%=1', /malformed/],
      ['a=%2', /malformed/],
    ] as const) {
      const r = decodeQuery(raw);
      assert.ok(!Array.isArray(r), raw);
      assert.match((r as { message: string }).message, why, raw);
    }
  });
  test('percentDecodePath keeps + and dot segments', () => {
    assert.equal(percentDecodePath('/b/a+b/%2E%2E/./c%20d//e'), '/b/a+b/.././c d//e');
    assert.equal(typeof percentDecodePath('/%FF'), 'object');
  });
  test('isPresignedQuery', () => {
    const q = (s: string) => decodeQuery(s) as never;
    assert.equal(isPresignedQuery(q('x-oss-signature-version=OSS4-HMAC-SHA256')), true);
    assert.equal(isPresignedQuery(q('x-oss-credential=a')), true);
    assert.equal(isPresignedQuery(q('OSSAccessKeyId=a&Expires=1&Signature=x')), true);
    assert.equal(isPresignedQuery(q('prefix=a&acl')), false);
    assert.equal(isPresignedQuery(q('Expires=1')), false);
  });
});

describe('PostObject V4 policy', () => {
  const policy = { expiration: new Date(T0 + 3600_000).toISOString(), conditions: [{ bucket: 'api-bucket' }, ['starts-with', '$key', 'up/']] };
  const sts = { ...CRED, securityToken: 'tok' };
  const opts = (now = T0 + 1000) => verifyOptions(now, [sts]);

  test('sign → verify, conditions appended, sync and async agree', async () => {
    const f = signPostPolicyV4Sync({ policy, credentials: sts, region: 'oss-cn-hangzhou', date: T0 });
    assert.deepEqual(await web.signPostPolicyV4({ policy, credentials: sts, region: 'cn-hangzhou', date: T0 }), f);
    assert.equal(f['x-oss-signature-version'], 'OSS4-HMAC-SHA256');
    assert.equal(f['x-oss-credential'], 'LTAI5tApiTest/20250102/cn-hangzhou/oss/aliyun_v4_request');
    assert.equal(f['x-oss-date'], '20250102T030405Z');
    assert.equal(f['x-oss-security-token'], 'tok');
    assert.match(f['x-oss-signature'], /^[0-9a-f]{64}$/);
    const doc = JSON.parse(Buffer.from(f.policy, 'base64').toString('utf8'));
    assert.deepEqual(doc.conditions.slice(2), [
      { 'x-oss-signature-version': 'OSS4-HMAC-SHA256' },
      { 'x-oss-credential': f['x-oss-credential'] },
      { 'x-oss-date': '20250102T030405Z' },
      { 'x-oss-security-token': 'tok' },
    ]);
    const r = verifyPostPolicyV4({ ...f, key: 'up/x', Policy: undefined }, opts());
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r.ok && r.accessKeyId, CRED.accessKeyId);
    assert.equal(r.ok && r.expiration, T0 + 3600_000);
    assert.equal(r.ok && r.conditions.length, 6);
    // Field names are case-insensitive in forms.
    const upper = Object.fromEntries(Object.entries(f).map(([k, v]) => [k.toUpperCase(), v]));
    assert.equal(verifyPostPolicyV4(upper, opts()).ok, true);
  });

  test('a base64 policy string is signed as is', () => {
    const b64 = Buffer.from(JSON.stringify(policy)).toString('base64');
    const f = signPostPolicyV4Sync({ policy: b64, credentials: CRED, region: 'cn-hangzhou', date: T0 });
    assert.equal(f.policy, b64);
    assert.equal(verifyPostPolicyV4(f, verifyOptions(T0, [CRED])).ok, true);
  });

  test('failures', () => {
    const f = signPostPolicyV4Sync({ policy, credentials: sts, region: 'cn-hangzhou', date: T0 });
    const reason = (fields: Record<string, string | undefined>, o = opts()) => {
      const r = verifyPostPolicyV4(fields, o);
      return r.ok ? 'ok' : r.reason;
    };
    assert.equal(reason({ ...f, 'x-oss-signature': f['x-oss-signature'].replace(/.$/, (c) => (c === '0' ? '1' : '0')) }), 'SignatureDoesNotMatch');
    const tampered = Buffer.from(JSON.stringify({ ...policy, conditions: [] })).toString('base64');
    assert.equal(reason({ ...f, policy: tampered }), 'SignatureDoesNotMatch');
    assert.equal(reason({ ...f, policy: undefined }), 'MissingParameter');
    assert.equal(reason({ ...f, 'x-oss-signature-version': 'OSS2' }), 'MalformedAuthorization');
    assert.equal(reason({ ...f, 'x-oss-credential': 'x' }), 'InvalidCredential');
    // The signature covers only the policy; the policy's x-oss-date condition pins the form field.
    assert.equal(reason({ ...f, 'x-oss-date': '20250102T030406Z' }), 'PolicyConditionMismatch');
    assert.equal(reason({ ...f, 'x-oss-date': '20250103T030405Z' }), 'CredentialDateMismatch');
    assert.equal(reason({ ...f, 'x-oss-security-token': 'other' }), 'InvalidSecurityToken');
    assert.equal(reason(f, { ...opts(), region: 'cn-beijing' }), 'InvalidRegion');
    assert.equal(reason(f, verifyOptions(T0, [])), 'InvalidAccessKeyId');
    assert.equal(reason(f, opts(T0 + 3600_001)), 'Expired');
    assert.equal(reason(f, opts(T0 - 900_001)), 'NotYetValid');
    const garbage = signPostPolicyV4Sync({ policy: Buffer.from('not json').toString('base64'), credentials: sts, region: 'cn-hangzhou', date: T0 });
    assert.equal(reason(garbage), 'InvalidPolicyDocument');
  });
});

test('the signing-key cache is bounded and keyed by secret, day and region', () => {
  // 200 distinct days through the cache: results stay correct (and memory bounded).
  const seen = new Set<string>();
  for (let d = 0; d < 200; d++) {
    const r = presignUrlSync({ ...base, date: T0 + d * 86_400_000 });
    seen.add(r.url);
    assert.equal(verifyRequest(requestFromUrl('GET', r.url, 'api-bucket', {}), verifyAt(T0 + d * 86_400_000)).ok, true);
  }
  assert.equal(seen.size, 200);
  const other = presignUrlSync({ ...base, credentials: { ...CRED, accessKeySecret: 'other' } });
  assert.notEqual(other.url, presignUrlSync(base).url);
});

test('x-oss-date formatting equals toISOString over the whole 1970..9999 range', async () => {
  const { isoBasic } = await import('../src/encode.js');
  const r = prng(0x150);
  const edges = [0, 1702743657999, Date.UTC(2024, 1, 29, 23, 59, 59), 2 ** 31 * 1000, 2 ** 32 * 1000, 253402300799999];
  for (let i = 0; i < 20_000; i++) edges.push(Math.floor(r() * 253402300800000));
  for (const ms of edges) assert.equal(isoBasic(ms), new Date(ms).toISOString().replace(/[-:]|\.\d+/g, ''), String(ms));
});

test('the WebCrypto signing-key cache evicts beyond 64 entries and stays correct', async () => {
  for (let d = 0; d < 100; d += 1) {
    const o = { ...base, date: T0 + d * 86_400_000 };
    const [a, s] = [await web.presignUrl(o), presignUrlSync(o)];
    assert.equal(a.url, s.url, `day ${d}`);
  }
  // Back to an evicted day: derived again, same answer.
  assert.equal((await web.presignUrl(base)).url, presignUrlSync(base).url);
});

test('prepared-key HMAC-SHA256 equals node:crypto createHmac (lengths, UTF-8, fallbacks)', async () => {
  const { createHmac, randomBytes } = await import('node:crypto');
  const { hmacKey, hmacSha256 } = await import('../src/crypto-node.js');
  for (const keyLength of [1, 32, 64, 65, 100]) {
    const raw = randomBytes(keyLength);
    const k = hmacKey(raw);
    for (let n = 0; n < 400; n += n < 140 ? 1 : 13) {
      for (const unit of ['a', 'é', '中', '😀']) {
        const data = unit.repeat(n).slice(0, n);
        const want = createHmac('sha256', raw).update(data).digest();
        assert.deepEqual(hmacSha256(k, data), want, `key ${keyLength} len ${n} ${unit}`);
        assert.equal(hmacSha256(k, data, true), want.toString('hex'));
      }
    }
  }
});
