/**
 * Authentication and authorization through the core: the four signature schemes, expiry on
 * the injectable clock, method binding, tampering, malformed input, ACLs and the existence rule.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { abortingBody, CREDS, createHarness, type Harness, type Reply, xml } from './helpers.js';

const BODY = Buffer.from('the quick brown fox jumps over the lazy dog, 0123456789');

let h: Harness;

async function ok(r: Promise<Reply> | Reply, status = 200): Promise<Reply> {
  const res = await r;
  assert.equal(res.status, status, `${res.status} ${res.body.toString()}`);
  return res;
}

function assertError(res: Reply, status: number, code: string): void {
  assert.equal(res.status, status, res.body.toString() || res.headers['x-oss-err']);
  const body = res.body.length > 0 ? res.body.toString() : Buffer.from(res.headers['x-oss-err'] ?? '', 'base64').toString();
  assert.equal(xml(body, 'Code'), code, body);
  assert.equal(xml(body, 'RequestId'), res.requestId);
  assert.equal(res.headers['x-oss-ec'], xml(body, 'EC'));
}

function noBytes(res: Reply): void {
  assert.equal(res.body.indexOf(BODY.subarray(0, 16)), -1, 'response carries object bytes');
}

before(async () => {
  h = await createHarness();
  await ok(h.send('PUT', { bucket: 'bkt' }));
  await ok(h.send('PUT', { bucket: 'bkt', key: 'obj.txt', body: BODY }));
});
after(() => h.close());

describe('the four signature schemes are accepted', () => {
  it('V4 header', async () => {
    const r = await ok(h.send('GET', { bucket: 'bkt', key: 'obj.txt' }));
    assert.deepEqual(r.body, BODY);
  });
  it('V1 header', async () => {
    await ok(h.send('PUT', { bucket: 'bkt', key: 'v1.txt', body: BODY, version: 'v1' }));
    const r = await ok(h.send('GET', { bucket: 'bkt', key: 'v1.txt', version: 'v1' }));
    assert.deepEqual(r.body, BODY);
  });
  it('V4 presigned URL', async () => {
    const { target } = h.presign('GET', { bucket: 'bkt', key: 'obj.txt' });
    assert.match(target, /x-oss-signature=/);
    const r = await ok(h.raw({ target }));
    assert.deepEqual(r.body, BODY);
  });
  it('V1 presigned URL', async () => {
    const { target } = h.presign('GET', { bucket: 'bkt', key: 'obj.txt', version: 'v1' });
    assert.match(target, /Signature=/);
    const r = await ok(h.raw({ target }));
    assert.deepEqual(r.body, BODY);
  });
  it('virtual-hosted style, signed for the same /bucket/key resource', async () => {
    const { headers } = h.sign('GET', { bucket: 'bkt', key: 'obj.txt' });
    const r = await ok(h.raw({ target: '/obj.txt', headers: { ...headers, host: 'bkt.localhost:9000' } }));
    assert.deepEqual(r.body, BODY);
  });
  it('a presigned PUT uploads', async () => {
    const { target } = h.presign('PUT', { bucket: 'bkt', key: 'presigned-put.bin' });
    await ok(h.raw({ method: 'PUT', target, body: BODY }));
    assert.deepEqual((await ok(h.send('GET', { bucket: 'bkt', key: 'presigned-put.bin' }))).body, BODY);
  });
});

describe('expiry and time windows (ManualClock, no sleeping)', () => {
  it('an expired V4 URL → 403 AccessDenied "Request has expired." with Expires and ServerTime', async () => {
    const start = h.clock.now();
    const { target } = h.presign('GET', { bucket: 'bkt', key: 'obj.txt', expires: 60 });
    await ok(h.raw({ target }));
    h.clock.advance(60_000);
    await ok(h.raw({ target }), 200); // the last second is still valid
    h.clock.advance(1_000);
    const r = await h.raw({ target });
    h.clock.set(start);
    assertError(r, 403, 'AccessDenied');
    noBytes(r);
    assert.equal(xml(r.body, 'Message'), 'Request has expired.');
    assert.equal(xml(r.body, 'EC'), '0002-00000069');
    assert.equal(xml(r.body, 'Expires'), new Date(start + 60_000).toISOString());
    assert.equal(xml(r.body, 'ServerTime'), new Date(start + 61_000).toISOString());
    assert.match(xml(r.body, 'ServerTime')!, /\.000Z$/);
  });

  it('an expired V1 URL → 403 AccessDenied', async () => {
    const start = h.clock.now();
    const { target } = h.presign('GET', { bucket: 'bkt', key: 'obj.txt', expires: 30, version: 'v1' });
    h.clock.advance(31_000);
    const r = await h.raw({ target });
    h.clock.set(start);
    assertError(r, 403, 'AccessDenied');
    assert.equal(xml(r.body, 'Message'), 'Request has expired.');
    noBytes(r);
  });

  it('a V4 URL used before x-oss-date − 15 min → 403 AccessDenied (EC 0002-00000235)', async () => {
    const start = h.clock.now();
    const { target } = h.presign('GET', { bucket: 'bkt', key: 'obj.txt' });
    h.clock.set(start - 16 * 60_000);
    const r = await h.raw({ target });
    h.clock.set(start);
    assertError(r, 403, 'AccessDenied');
    assert.equal(xml(r.body, 'EC'), '0002-00000235');
    noBytes(r);
  });

  it('header auth outside ±15 min → 403 RequestTimeTooSkewed with RequestTime, ServerTime, MaxAllowedSkewMilliseconds', async () => {
    const start = h.clock.now();
    const { target, headers } = h.sign('GET', { bucket: 'bkt', key: 'obj.txt' });
    h.clock.set(start + 16 * 60_000);
    const r = await h.raw({ target, headers });
    h.clock.set(start);
    assertError(r, 403, 'RequestTimeTooSkewed');
    assert.equal(xml(r.body, 'MaxAllowedSkewMilliseconds'), '900000');
    assert.equal(xml(r.body, 'RequestTime'), new Date(start).toISOString());
    assert.equal(xml(r.body, 'ServerTime'), new Date(start + 16 * 60_000).toISOString());
    noBytes(r);
  });

  it('x-oss-expires outside 1..604800 → 403 AccessDenied (EC 0002-00000232)', async () => {
    const { target } = h.presign('GET', { bucket: 'bkt', key: 'obj.txt', expires: 600 });
    for (const bad of ['0', '604801', 'abc', '-1']) {
      const r = await h.raw({ target: target.replace('x-oss-expires=600', `x-oss-expires=${bad}`) });
      assertError(r, 403, 'AccessDenied');
      assert.equal(xml(r.body, 'EC'), '0002-00000232', bad);
    }
  });
});

describe('a signature binds method and every signed part', () => {
  it('a GET-signed URL used for PUT or HEAD → 403', async () => {
    const { target } = h.presign('GET', { bucket: 'bkt', key: 'obj.txt' });
    const put = await h.raw({ method: 'PUT', target, body: Buffer.from('overwrite') });
    assertError(put, 403, 'SignatureDoesNotMatch');
    const head = await h.raw({ method: 'HEAD', target });
    assertError(head, 403, 'SignatureDoesNotMatch');
    assert.equal(head.body.length, 0);
    assert.deepEqual((await ok(h.send('GET', { bucket: 'bkt', key: 'obj.txt' }))).body, BODY, 'object untouched');
  });

  it('V4 SignatureDoesNotMatch echoes CanonicalRequest and StringToSign (EC 0002-00000201)', async () => {
    const { target } = h.presign('GET', { bucket: 'bkt', key: 'obj.txt' });
    const r = await h.raw({ target: target.replace('/obj.txt', '/obj.tx') });
    assertError(r, 403, 'SignatureDoesNotMatch');
    assert.equal(xml(r.body, 'EC'), '0002-00000201');
    assert.match(xml(r.body, 'CanonicalRequest')!, /^GET\n\/bkt\/obj\.tx\n/);
    assert.match(xml(r.body, 'StringToSign')!, /^OSS4-HMAC-SHA256\n/);
  });

  it('V1 SignatureDoesNotMatch echoes StringToSign, StringToSignBytes, SignatureProvided, OSSAccessKeyId (EC 0002-00000040)', async () => {
    const { target } = h.presign('GET', { bucket: 'bkt', key: 'obj.txt', version: 'v1' });
    const r = await h.raw({ target: target.replace('/obj.txt', '/obj.tx') });
    assertError(r, 403, 'SignatureDoesNotMatch');
    assert.equal(xml(r.body, 'EC'), '0002-00000040');
    assert.equal(xml(r.body, 'OSSAccessKeyId'), CREDS.accessKeyId);
    assert.ok(xml(r.body, 'SignatureProvided'));
    assert.match(xml(r.body, 'StringToSign')!, /\/bkt\/obj\.tx$/);
    assert.match(xml(r.body, 'StringToSignBytes')!, /^47 45 54 0A /);
  });

  it('changing any one character of a presigned URL never yields the object', async () => {
    for (const version of ['v4', 'v1'] as const) {
      const { target } = h.presign('GET', { bucket: 'bkt', key: 'obj.txt', version });
      const q = target.indexOf('?');
      const marker = version === 'v4' ? 'x-oss-signature=' : 'Signature=';
      const sigStart = target.indexOf(marker) + marker.length;
      const sigEndAt = target.indexOf('&', sigStart);
      const sigEnd = sigEndAt < 0 ? target.length : sigEndAt;
      let tried = 0;
      for (let i = 1; i < target.length; i++) {
        const c = target[i]!;
        let d: string | undefined;
        if (/[0-9]/.test(c)) d = c === '9' ? '0' : String(Number(c) + 1);
        else if (/[a-z]/.test(c)) d = c === 'z' ? 'a' : String.fromCharCode(c.charCodeAt(0) + 1);
        else if (/[A-Z]/.test(c)) d = c === 'Z' ? 'A' : String.fromCharCode(c.charCodeAt(0) + 1);
        // Hex digits of a %XX escape would turn into a malformed escape (400 InvalidURI, tested elsewhere).
        if (d === undefined || target[i - 1] === '%' || target[i - 2] === '%') continue;
        const mutated = target.slice(0, i) + d + target.slice(i + 1);
        const r = await h.raw({ target: mutated });
        tried++;
        // A changed parameter *name* is a different (or missing) parameter: any 4xx. A changed value is 403.
        const inName = i > q && target.lastIndexOf('=', i) < Math.max(target.lastIndexOf('&', i), q);
        if (inName) assert.ok(r.status >= 400 && r.status < 500, `${version} ${mutated} → ${r.status}`);
        else assert.equal(r.status, 403, `${version} ${mutated} → ${r.status} ${xml(r.body, 'Message')}`);
        noBytes(r);
        // Bucket, key and signature characters are plain signature mismatches.
        if (i < q || (i >= sigStart && i < sigEnd)) assert.equal(xml(r.body, 'Code'), 'SignatureDoesNotMatch', mutated);
      }
      assert.ok(tried > 50, `${version}: ${tried} mutations`);
    }
  });
});

describe('bad input is 4xx, never 500', () => {
  const cases: [name: string, init: () => { method?: string; target: string; headers?: Record<string, string> }, status: number, code: string][] = [
    ['unknown Authorization scheme', () => ({ target: '/bkt/obj.txt', headers: { authorization: 'Bearer abc' } }), 400, 'InvalidArgument'],
    ['V4 Authorization without fields', () => ({ target: '/bkt/obj.txt', headers: { authorization: 'OSS4-HMAC-SHA256 garbage', 'x-oss-date': '20260115T120000Z' } }), 400, 'InvalidArgument'],
    [
      'V4 Authorization with a malformed credential',
      () => ({
        target: '/bkt/obj.txt',
        headers: { authorization: 'OSS4-HMAC-SHA256 Credential=ak/2026/cn-hangzhou,Signature=00', 'x-oss-date': '20260115T120000Z', 'x-oss-content-sha256': 'UNSIGNED-PAYLOAD' },
      }),
      403,
      'AccessDenied',
    ],
    ['V1 Authorization without colon', () => ({ target: '/bkt/obj.txt', headers: { authorization: 'OSS nocolon', date: new Date(h.clock.now()).toUTCString() } }), 400, 'InvalidArgument'],
    ['V1 header with an unparseable Date', () => ({ target: '/bkt/obj.txt', headers: { authorization: `OSS ${CREDS.accessKeyId}:AAAAAAAAAAAAAAAAAAAAAAAAAAA=`, date: 'yesterday' } }), 403, 'AccessDenied'],
    ['V1 header with no date', () => ({ target: '/bkt/obj.txt', headers: { authorization: `OSS ${CREDS.accessKeyId}:AAAAAAAAAAAAAAAAAAAAAAAAAAA=` } }), 403, 'AccessDenied'],
    [
      'unknown access key (V1 header)',
      () => ({ target: '/bkt/obj.txt', headers: { authorization: 'OSS LTAIunknown:AAAAAAAAAAAAAAAAAAAAAAAAAAA=', date: new Date(h.clock.now()).toUTCString() } }),
      403,
      'InvalidAccessKeyId',
    ],
    ['V1 URL with non-numeric Expires', () => ({ target: `/bkt/obj.txt?OSSAccessKeyId=${CREDS.accessKeyId}&Expires=soon&Signature=AAAAAAAAAAAAAAAAAAAAAAAAAAA%3D` }), 403, 'AccessDenied'],
    ['V4 URL missing x-oss-signature', () => ({ target: h.presign('GET', { bucket: 'bkt', key: 'obj.txt' }).target.replace(/&?x-oss-signature=[0-9a-f]+/, '') }), 400, 'InvalidArgument'],
    ['V4 URL with an unparseable x-oss-date', () => ({ target: h.presign('GET', { bucket: 'bkt', key: 'obj.txt' }).target.replace(/x-oss-date=\w+/, 'x-oss-date=tomorrow') }), 403, 'AccessDenied'],
    ['signature in both query and header', () => ({ target: h.presign('GET', { bucket: 'bkt', key: 'obj.txt' }).target, headers: h.sign('GET', { bucket: 'bkt', key: 'obj.txt' }).headers }), 400, 'InvalidArgument'],
    ['invalid bucket name', () => ({ target: '/Bad_Bucket/k' }), 400, 'InvalidBucketName'],
    ['overlong key', () => ({ target: `/bkt/${'k'.repeat(1024)}` }), 400, 'InvalidObjectName'],
    ['bad percent-encoding', () => ({ target: '/bkt/%G0' }), 400, 'InvalidURI'],
    ['invalid UTF-8 in the key', () => ({ target: '/bkt/%C0%AF' }), 400, 'InvalidURI'],
    ['unknown method', () => ({ method: 'PATCH', target: '/bkt/obj.txt' }), 405, 'MethodNotAllowed'],
  ];
  for (const [name, init, status, code] of cases) {
    it(name, async () => {
      const r = await h.raw(init());
      assertError(r, status, code);
      noBytes(r);
    });
  }

  it('unknown access key (V4 URL) → 403 InvalidAccessKeyId naming the key', async () => {
    const { target } = h.presign('GET', { bucket: 'bkt', key: 'obj.txt' });
    const r = await h.raw({ target: target.replace(encodeURIComponent(CREDS.accessKeyId), 'LTAIsomeoneElse') });
    assertError(r, 403, 'InvalidAccessKeyId');
    assert.equal(xml(r.body, 'OSSAccessKeyId'), 'LTAIsomeoneElse');
  });

  it('Content-MD5 mismatch → 400 InvalidDigest and nothing stored', async () => {
    const r = await h.send('PUT', { bucket: 'bkt', key: 'md5.bin', body: BODY, headers: { 'content-md5': 'AAAAAAAAAAAAAAAAAAAAAA==' } });
    assertError(r, 400, 'InvalidDigest');
    assert.equal(await h.storage.metadata.getObject('bkt', 'md5.bin'), undefined);
    const malformed = await h.send('PUT', { bucket: 'bkt', key: 'md5.bin', body: BODY, headers: { 'content-md5': 'not-base64' } });
    assertError(malformed, 400, 'InvalidDigest');
    assert.equal(xml(malformed.body, 'EC'), '0017-00000502');
  });

  it('a client disconnecting mid-body → nothing stored, previous version intact', async () => {
    await ok(h.send('PUT', { bucket: 'bkt', key: 'cut.bin', body: Buffer.from('v1') }));
    const { target, headers } = h.sign('PUT', { bucket: 'bkt', key: 'cut.bin' });
    const r = await h.raw({ method: 'PUT', target, headers: { ...headers, 'content-length': '1000000' }, body: abortingBody([Buffer.alloc(4096, 1)]) });
    assert.ok(r.status >= 400 && r.status < 500, String(r.status));
    const now = await ok(h.send('GET', { bucket: 'bkt', key: 'cut.bin' }));
    assert.equal(now.body.toString(), 'v1');
    const r2 = await h.raw({ method: 'PUT', target, headers: { ...headers, 'content-length': '1000000' }, body: abortingBody([]) });
    assert.ok(r2.status >= 400 && r2.status < 500);
    assert.equal((await ok(h.send('GET', { bucket: 'bkt', key: 'cut.bin' }))).body.toString(), 'v1');
  });
});

describe('authorization: ACLs and the existence rule', () => {
  before(async () => {
    await ok(h.send('PUT', { bucket: 'pub-read', headers: { 'x-oss-acl': 'public-read' } }));
    await ok(h.send('PUT', { bucket: 'pub-rw', headers: { 'x-oss-acl': 'public-read-write' } }));
    for (const b of ['pub-read', 'pub-rw']) await ok(h.send('PUT', { bucket: b, key: 'obj.txt', body: BODY }));
    await ok(h.send('PUT', { bucket: 'pub-read', key: 'secret.txt', body: BODY, headers: { 'x-oss-object-acl': 'private' } }));
    await ok(h.send('PUT', { bucket: 'bkt', key: 'shared.txt', body: BODY, headers: { 'x-oss-object-acl': 'public-read' } }));
  });

  const anon = (method: string, target: string, body?: Buffer, headers?: Record<string, string>) =>
    h.raw({ method, target, ...(body ? { body } : {}), ...(headers ? { headers } : {}) });

  it('private bucket: anonymous gets 403 whether or not the object exists', async () => {
    assertError(await anon('GET', '/bkt/obj.txt'), 403, 'AccessDenied');
    assertError(await anon('GET', '/bkt/missing.txt'), 403, 'AccessDenied');
    assertError(await anon('HEAD', '/bkt/missing.txt'), 403, 'AccessDenied');
    assertError(await anon('GET', '/bkt/'), 403, 'AccessDenied');
    assertError(await anon('PUT', '/bkt/new.txt', BODY), 403, 'AccessDenied');
    assert.equal(await h.storage.metadata.getObject('bkt', 'new.txt'), undefined);
  });

  it('missing bucket: anonymous 403, root 404 NoSuchBucket', async () => {
    assertError(await anon('GET', '/nosuchbucket/k'), 403, 'AccessDenied');
    assertError(await anon('GET', '/nosuchbucket/'), 403, 'AccessDenied');
    const r = await h.send('GET', { bucket: 'nosuchbucket', key: 'k' });
    assertError(r, 404, 'NoSuchBucket');
    assert.equal(xml(r.body, 'BucketName'), 'nosuchbucket');
    assertError(await h.send('GET', { bucket: 'nosuchbucket' }), 404, 'NoSuchBucket');
  });

  it('public-read: anonymous reads and lists; missing keys are 404; writes and ACL reads are 403', async () => {
    assert.deepEqual((await ok(anon('GET', '/pub-read/obj.txt'))).body, BODY);
    await ok(anon('HEAD', '/pub-read/obj.txt'));
    const missing = await anon('GET', '/pub-read/missing.txt');
    assertError(missing, 404, 'NoSuchKey');
    assert.equal(xml(missing.body, 'Key'), 'missing.txt');
    await ok(anon('GET', '/pub-read/?list-type=2'));
    assertError(await anon('PUT', '/pub-read/x.txt', BODY), 403, 'AccessDenied');
    assertError(await anon('DELETE', '/pub-read/obj.txt'), 403, 'AccessDenied');
    assertError(await anon('GET', '/pub-read/?acl'), 403, 'AccessDenied');
    assertError(await anon('GET', '/pub-read/obj.txt?acl'), 403, 'AccessDenied');
    assertError(await anon('GET', '/pub-read/?bucketInfo'), 403, 'AccessDenied');
    assertError(await anon('DELETE', '/pub-read/'), 403, 'AccessDenied');
  });

  it('object ACL overrides the bucket ACL; default inherits', async () => {
    assertError(await anon('GET', '/pub-read/secret.txt'), 403, 'AccessDenied');
    assert.deepEqual((await ok(anon('GET', '/bkt/shared.txt'))).body, BODY);
    await ok(h.send('PUT', { bucket: 'bkt', key: 'shared.txt', query: { acl: null }, headers: { 'x-oss-object-acl': 'default' } }));
    assertError(await anon('GET', '/bkt/shared.txt'), 403, 'AccessDenied');
  });

  it('public-read-write: anonymous writes and deletes objects, but not ACLs or the bucket', async () => {
    await ok(anon('PUT', '/pub-rw/anon.txt', BODY));
    assert.deepEqual((await ok(anon('GET', '/pub-rw/anon.txt'))).body, BODY);
    await ok(anon('DELETE', '/pub-rw/anon.txt'), 204);
    assertError(await anon('PUT', '/pub-rw/obj.txt?acl', undefined, { 'x-oss-object-acl': 'public-read' }), 403, 'AccessDenied');
    assertError(await anon('PUT', '/pub-rw/?acl', undefined, { 'x-oss-acl': 'public-read' }), 403, 'AccessDenied');
    assertError(await anon('DELETE', '/pub-rw/'), 403, 'AccessDenied');
  });

  it('anonymous ListBuckets and PutBucket are refused', async () => {
    assertError(await anon('GET', '/'), 403, 'AccessDenied');
    assertError(await anon('PUT', '/anon-bucket/'), 403, 'AccessDenied');
    assert.equal(await h.storage.metadata.getBucket('anon-bucket'), undefined);
  });

  it('not-implemented operations: 403 for a denied caller, 501 for root', async () => {
    assertError(await anon('POST', '/bkt/k?restore'), 403, 'AccessDenied');
    const r = await h.send('POST', { bucket: 'bkt', key: 'k', query: { restore: null } });
    assertError(r, 501, 'NotImplemented');
    assert.match(xml(r.body, 'Message')!, /RestoreObject/);
    assertError(await h.send('POST', { bucket: 'nosuchbucket', key: 'k', query: { restore: null } }), 404, 'NoSuchBucket');
  });
});

describe('argument errors come after authorization (a denied caller learns nothing from a 400)', () => {
  before(async () => {
    if ((await h.storage.metadata.getBucket('args-pub')) === undefined) {
      await ok(h.send('PUT', { bucket: 'args-pub', headers: { 'x-oss-acl': 'public-read' } }));
      await ok(h.send('PUT', { bucket: 'args-pub', key: 'obj.txt', body: BODY }));
    }
  });

  const anon = (method: string, target: string, headers?: Record<string, string>) => h.raw({ method, target, ...(headers ? { headers } : {}) });

  it('anonymous on a private or missing bucket: 403 whatever the arguments', async () => {
    for (const [method, target, headers] of [
      ['GET', '/bkt/?max-keys=abc'],
      ['GET', '/bkt/?encoding-type=base64'],
      ['GET', '/bkt/?list-type=2&continuation-token=%21%21'],
      ['GET', '/bkt/?prefix=a&prefix=b'],
      ['GET', '/bkt/obj.txt?response-content-type=a%0D%0AX-Evil%3A%201'],
      ['GET', '/bkt/obj.txt?a=1&a=2'],
      ['PUT', '/bkt/?acl', { 'x-oss-acl': 'bogus' }],
      ['PUT', '/bkt/obj.txt?acl'],
      ['PUT', '/bkt/k?partNumber=abc&uploadId=u'],
      ['GET', '/bkt/k?uploadId=u&max-parts=0'],
      ['POST', '/bkt/k?append&position=-1'],
      ['PUT', '/bkt/k', { 'x-oss-copy-source': 'no-slash' }],
      ['GET', '/nosuchbucket/?max-keys=abc'],
      ['PUT', '/newbucket/', { 'x-oss-acl': 'bogus' }],
      ['GET', '/?max-keys=abc'],
    ] as const) {
      assertError(await anon(method, target, headers), 403, 'AccessDenied');
    }
  });

  it('a caller allowed to act gets the argument error', async () => {
    assertError(await anon('GET', '/args-pub/?max-keys=abc'), 400, 'InvalidArgument');
    assertError(await anon('GET', '/args-pub/?prefix=a&prefix=b'), 400, 'InvalidArgument');
    assertError(await anon('GET', '/args-pub/obj.txt?response-content-type=a%0D%0AX-Evil%3A%201'), 400, 'InvalidArgument');
    assertError(await h.send('GET', { bucket: 'bkt', query: { 'max-keys': 'abc' } }), 400, 'InvalidArgument');
    assertError(await h.send('PUT', { bucket: 'bkt', query: { acl: null }, headers: { 'x-oss-acl': 'bogus' } }), 400, 'InvalidArgument');
    assertError(await h.send('PUT', { bucket: 'bkt', key: 'obj.txt', query: { acl: null } }), 400, 'MissingArgument');
    // For the root key, arguments are still checked before the bucket is looked up.
    assertError(await h.send('GET', { bucket: 'nosuchbucket', query: { 'max-keys': 'abc' } }), 400, 'InvalidArgument');
  });

  it("a signed request's duplicate parameters are the verifier's DuplicateQueryParameter (EC 0002-00000010)", async () => {
    const { target } = h.presign('GET', { bucket: 'bkt' });
    const r = await h.raw({ target: `${target}&prefix=a&prefix=b` });
    assertError(r, 400, 'InvalidArgument');
    assert.equal(xml(r.body, 'EC'), '0002-00000010');
    assert.equal(xml(r.body, 'ArgumentName'), 'prefix');
  });
});
