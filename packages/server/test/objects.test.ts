/**
 * Object operations through the core: PutObject (headers, metadata octets, limits, streaming),
 * GetObject (headers, Range, preconditions, response-* overrides), HeadObject (errors in
 * x-oss-err), GetObjectMeta, DeleteObject, object ACLs.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { crc64 } from '../src/storage/crc64.js';
import { createHarness, type Harness, type Reply, streamOf, xml } from './helpers.js';

let h: Harness;
const DATA = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
const MD5_HEX = createHash('md5').update(DATA).digest('hex').toUpperCase();
const MD5_B64 = createHash('md5').update(DATA).digest('base64');

async function ok(r: Promise<Reply> | Reply, status = 200): Promise<Reply> {
  const res = await r;
  assert.equal(res.status, status, `${res.status} ${res.body.toString() || Buffer.from(res.headers['x-oss-err'] ?? '', 'base64').toString()}`);
  return res;
}

function errorOf(res: Reply): { code: string | undefined; xml: string } {
  const text = res.body.length > 0 ? res.body.toString() : Buffer.from(res.headers['x-oss-err'] ?? '', 'base64').toString();
  return { code: xml(text, 'Code'), xml: text };
}

const get = (key: string, headers: Record<string, string> = {}, query?: Record<string, string>) =>
  h.send('GET', { bucket: 'bkt', key, headers, ...(query ? { query } : {}) });

before(async () => {
  h = await createHarness();
  await ok(h.send('PUT', { bucket: 'bkt' }));
  await ok(h.send('PUT', { bucket: 'bkt', key: 'data.bin', body: DATA }));
});
after(() => h.close());

describe('PutObject', () => {
  it('answers ETag, x-oss-hash-crc64ecma and Content-MD5 and stores the bytes', async () => {
    const r = await ok(h.send('PUT', { bucket: 'bkt', key: 'p/one.bin', body: DATA }));
    assert.equal(r.headers.etag, `"${MD5_HEX}"`);
    assert.equal(r.headers['x-oss-hash-crc64ecma'], crc64(DATA).toString());
    assert.equal(r.headers['content-md5'], MD5_B64);
    assert.match(r.headers['x-oss-request-id']!, /^[0-9A-F]{24}$/);
    assert.equal(r.headers.server, 'AliyunOSS');
    assert.equal(r.headers['content-length'], '0');
    assert.equal(r.headers.date, new Date(h.clock.now()).toUTCString());
    assert.deepEqual((await ok(get('p/one.bin'))).body, DATA);
  });

  it('keys that URL parsers would rewrite are stored verbatim', async () => {
    for (const key of ['a/../b', './x', 'a//b', 'a+b c', '%41', '中文/测试 文件.txt', "!'()*~"]) {
      await ok(h.send('PUT', { bucket: 'bkt', key, body: Buffer.from(key) }));
      assert.equal((await ok(get(key))).body.toString(), key);
    }
    assert.equal(await h.storage.metadata.getObject('bkt', 'b'), undefined);
    assert.equal(await h.storage.metadata.getObject('bkt', 'x'), undefined);
  });

  it('streams a chunked body (no Content-Length)', async () => {
    const chunks = [Buffer.alloc(70_000, 1), Buffer.alloc(3, 2), Buffer.alloc(100_000, 3)];
    const { target, headers } = h.sign('PUT', { bucket: 'bkt', key: 'chunked.bin' });
    await ok(h.raw({ method: 'PUT', target, headers: { ...headers, 'transfer-encoding': 'chunked' }, body: streamOf(chunks) }));
    assert.deepEqual((await ok(get('chunked.bin'))).body, Buffer.concat(chunks));
  });

  it('requires Content-Length unless chunked; refuses over 5 GiB up front', async () => {
    const { target, headers } = h.sign('PUT', { bucket: 'bkt', key: 'nolen.bin' });
    const r = await h.raw({ method: 'PUT', target, headers, body: streamOf([Buffer.from('x')]) });
    assert.equal(r.status, 411);
    assert.equal(errorOf(r).code, 'MissingContentLength');
    const big = await h.raw({ method: 'PUT', target, headers: { ...headers, 'content-length': String(5 * 1024 ** 3 + 1) }, body: streamOf([]) });
    assert.equal(big.status, 400);
    assert.equal(errorOf(big).code, 'EntityTooLarge');
    assert.equal(await h.storage.metadata.getObject('bkt', 'nolen.bin'), undefined);
  });

  it('stores Content-Type (default by extension), Content-Disposition, Cache-Control, Content-Encoding, Expires', async () => {
    await ok(h.send('PUT', { bucket: 'bkt', key: 'page.html', body: Buffer.from('<p>') }));
    assert.equal((await ok(get('page.html'))).headers['content-type'], 'text/html');
    await ok(h.send('PUT', { bucket: 'bkt', key: 'noext', body: Buffer.from('x') }));
    assert.equal((await ok(get('noext'))).headers['content-type'], 'application/octet-stream');
    const headers = {
      'content-type': 'text/x-custom; charset=utf-8',
      'content-disposition': 'attachment; filename="a b.txt"',
      'cache-control': 'max-age=60',
      'content-encoding': 'identity',
      expires: 'Wed, 21 Oct 2026 07:28:00 GMT',
    };
    await ok(h.send('PUT', { bucket: 'bkt', key: 'hdrs.txt', body: Buffer.from('x'), headers }));
    const r = await ok(get('hdrs.txt'));
    for (const [k, v] of Object.entries(headers)) assert.equal(r.headers[k], v, k);
  });

  it('x-oss-meta-* values round-trip as raw octets', async () => {
    // The client signs the text and sends its UTF-8 octets; Node hands them over as latin1 chars.
    const utf8AsLatin1 = Buffer.from('中文 ü', 'utf8').toString('latin1');
    const { target, headers } = h.sign('PUT', { bucket: 'bkt', key: 'meta.txt', headers: { 'x-oss-meta-name': '中文 ü', 'x-oss-meta-plain': 'v a l' } });
    await ok(h.raw({ method: 'PUT', target, headers: { ...headers, 'x-oss-meta-name': utf8AsLatin1 }, body: Buffer.from('m') }));
    for (const r of [await ok(get('meta.txt')), await ok(h.send('HEAD', { bucket: 'bkt', key: 'meta.txt' }))]) {
      assert.equal(r.headers['x-oss-meta-name'], utf8AsLatin1);
      assert.equal(Buffer.from(r.headers['x-oss-meta-name']!, 'latin1').toString('utf8'), '中文 ü');
      assert.equal(r.headers['x-oss-meta-plain'], 'v a l');
    }
    const tooBig = await h.send('PUT', { bucket: 'bkt', key: 'meta2.txt', body: Buffer.from('m'), headers: { 'x-oss-meta-big': 'x'.repeat(9000) } });
    assert.equal(tooBig.status, 400);
  });

  it('x-oss-object-acl and x-oss-storage-class are stored and validated', async () => {
    await ok(h.send('PUT', { bucket: 'bkt', key: 'ia.bin', body: Buffer.from('i'), headers: { 'x-oss-storage-class': 'IA', 'x-oss-object-acl': 'public-read' } }));
    const r = await ok(get('ia.bin'));
    assert.equal(r.headers['x-oss-storage-class'], 'IA');
    const acl = await ok(h.send('GET', { bucket: 'bkt', key: 'ia.bin', query: { acl: null } }));
    assert.equal(xml(acl.body, 'Grant'), 'public-read');
    for (const [name, value] of [
      ['x-oss-storage-class', 'Glacier'],
      ['x-oss-object-acl', 'everyone'],
    ] as const) {
      const bad = await h.send('PUT', { bucket: 'bkt', key: 'bad.bin', body: Buffer.from('b'), headers: { [name]: value } });
      assert.equal(bad.status, 400, name);
      assert.equal(errorOf(bad).code, 'InvalidArgument');
    }
    assert.equal(await h.storage.metadata.getObject('bkt', 'bad.bin'), undefined);
  });

  it('x-oss-forbid-overwrite: true → 409 FileAlreadyExists, the old bytes stay', async () => {
    await ok(h.send('PUT', { bucket: 'bkt', key: 'keep.txt', body: Buffer.from('original') }));
    const r = await h.send('PUT', { bucket: 'bkt', key: 'keep.txt', body: Buffer.from('new'), headers: { 'x-oss-forbid-overwrite': 'true' } });
    assert.equal(r.status, 409);
    assert.equal(errorOf(r).code, 'FileAlreadyExists');
    assert.equal((await ok(get('keep.txt'))).body.toString(), 'original');
    await ok(h.send('PUT', { bucket: 'bkt', key: 'keep.txt', body: Buffer.from('new'), headers: { 'x-oss-forbid-overwrite': 'false' } }));
    await ok(h.send('PUT', { bucket: 'bkt', key: 'fresh.txt', body: Buffer.from('f'), headers: { 'x-oss-forbid-overwrite': 'true' } }));
  });

  it('a matching Content-MD5 is accepted', async () => {
    await ok(h.send('PUT', { bucket: 'bkt', key: 'md5ok.bin', body: DATA, headers: { 'content-md5': MD5_B64 } }));
  });

  it('PutObject into a missing bucket is NoSuchBucket for root', async () => {
    const r = await h.send('PUT', { bucket: 'nobucket', key: 'k', body: Buffer.from('x') });
    assert.equal(r.status, 404);
    assert.equal(errorOf(r).code, 'NoSuchBucket');
  });
});

describe('GetObject and HeadObject headers', () => {
  it('full read: exact length, ETag, Last-Modified, Accept-Ranges, object type, storage class, CRC-64, Content-MD5', async () => {
    for (const method of ['GET', 'HEAD'] as const) {
      const r = await ok(h.send(method, { bucket: 'bkt', key: 'data.bin' }));
      assert.equal(r.headers['content-length'], '1000');
      assert.equal(r.headers.etag, `"${MD5_HEX}"`);
      assert.equal(r.headers['last-modified'], new Date(h.clock.now()).toUTCString());
      assert.equal(r.headers['accept-ranges'], 'bytes');
      assert.equal(r.headers['x-oss-object-type'], 'Normal');
      assert.equal(r.headers['x-oss-storage-class'], 'Standard');
      assert.equal(r.headers['x-oss-hash-crc64ecma'], crc64(DATA).toString());
      assert.equal(r.headers['content-md5'], MD5_B64);
      assert.equal(r.body.length, method === 'GET' ? 1000 : 0);
    }
  });

  it('a zero-byte object', async () => {
    await ok(h.send('PUT', { bucket: 'bkt', key: 'empty', body: Buffer.alloc(0) }));
    const r = await ok(get('empty'));
    assert.equal(r.headers['content-length'], '0');
    assert.equal(r.body.length, 0);
    assert.equal(r.headers.etag, '"D41D8CD98F00B204E9800998ECF8427E"');
    assert.equal(r.headers['x-oss-hash-crc64ecma'], '0');
  });

  it('response-* overrides', async () => {
    const r = await ok(
      get('data.bin', {}, {
        'response-content-type': 'text/csv',
        'response-content-disposition': 'attachment; filename="中.csv"',
        'response-cache-control': 'no-cache',
        'response-content-language': 'zh-CN',
        'response-expires': 'Thu, 01 Jan 2037 00:00:00 GMT',
        'response-content-encoding': 'identity',
      }),
    );
    assert.equal(r.headers['content-type'], 'text/csv');
    assert.equal(Buffer.from(r.headers['content-disposition']!, 'latin1').toString('utf8'), 'attachment; filename="中.csv"');
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.equal(r.headers['content-language'], 'zh-CN');
    assert.equal(r.headers.expires, 'Thu, 01 Jan 2037 00:00:00 GMT');
    assert.deepEqual(r.body, DATA);
  });

  it('a missing key: GET 404 NoSuchKey with Key; HEAD 404 with x-oss-err decoding to the same XML', async () => {
    const g = await h.send('GET', { bucket: 'bkt', key: 'dir/missing.txt' });
    assert.equal(g.status, 404);
    assert.equal(g.headers['content-type'], 'application/xml');
    assert.equal(xml(g.body, 'Code'), 'NoSuchKey');
    assert.equal(xml(g.body, 'Key'), 'dir/missing.txt');
    assert.equal(xml(g.body, 'EC'), '0026-00000001');
    assert.equal(g.headers['x-oss-ec'], '0026-00000001');
    const hd = await h.send('HEAD', { bucket: 'bkt', key: 'dir/missing.txt' });
    assert.equal(hd.status, 404);
    assert.equal(hd.body.length, 0);
    assert.equal(hd.headers['x-oss-ec'], '0026-00000001');
    const decoded = Buffer.from(hd.headers['x-oss-err']!, 'base64').toString();
    assert.equal(xml(decoded, 'Code'), 'NoSuchKey');
    assert.equal(xml(decoded, 'RequestId'), hd.requestId);
    assert.equal(decoded.replace(/<RequestId>\w+</, '<RequestId><'), g.body.toString().replace(/<RequestId>\w+</, '<RequestId><'));
  });

  it('GetObjectMeta: ETag, Content-Length, Last-Modified, no body', async () => {
    const r = await ok(h.send('HEAD', { bucket: 'bkt', key: 'data.bin', query: { objectMeta: null } }));
    assert.equal(r.operation, 'GetObjectMeta');
    assert.equal(r.headers.etag, `"${MD5_HEX}"`);
    assert.equal(r.headers['content-length'], '1000');
    assert.ok(r.headers['last-modified']);
    assert.equal(r.body.length, 0);
    const missing = await h.send('HEAD', { bucket: 'bkt', key: 'nope', query: { objectMeta: null } });
    assert.equal(missing.status, 404);
    assert.equal(xml(Buffer.from(missing.headers['x-oss-err']!, 'base64'), 'Code'), 'NoSuchKey');
  });
});

describe('Range', () => {
  const cases: [range: string, standard: boolean, status: number, start?: number, end?: number][] = [
    ['bytes=0-99', false, 206, 0, 99],
    ['bytes=900-', false, 206, 900, 999],
    ['bytes=-10', false, 206, 990, 999],
    ['bytes=0-1000', false, 200],
    ['bytes=1000-', false, 200],
    ['bytes=0-1,5-6', false, 200],
    ['bytes=x', false, 200],
    ['bytes=500-2000', true, 206, 500, 999],
    ['bytes=1000-2000', true, 416],
    ['bytes=-2000', true, 206, 0, 999],
  ];
  for (const [range, standard, status, start, end] of cases) {
    it(`${range}${standard ? ' (standard)' : ''} → ${status}`, async () => {
      const headers: Record<string, string> = { range };
      if (standard) headers['x-oss-range-behavior'] = 'standard';
      const r = await h.send('GET', { bucket: 'bkt', key: 'data.bin', headers });
      assert.equal(r.status, status);
      if (status === 206) {
        assert.deepEqual(r.body, DATA.subarray(start, end! + 1));
        assert.equal(r.headers['content-range'], `bytes ${start}-${end}/1000`);
        assert.equal(r.headers['content-length'], String(end! - start! + 1));
        assert.equal(r.headers['x-oss-hash-crc64ecma'], undefined, 'whole-object CRC only on full reads');
        assert.equal(r.headers['content-md5'], undefined);
        assert.equal(r.headers.etag, `"${MD5_HEX}"`);
      } else if (status === 200) {
        assert.deepEqual(r.body, DATA);
        assert.equal(r.headers['content-range'], undefined);
        assert.ok(r.headers['x-oss-hash-crc64ecma']);
      } else {
        assert.equal(errorOf(r).code, 'InvalidRange');
        assert.equal(r.headers['content-range'], 'bytes */1000');
        assert.equal(r.body.indexOf(DATA.subarray(0, 16)), -1);
      }
    });
  }
});

describe('preconditions', () => {
  let lm: string;
  before(async () => {
    lm = (await ok(get('data.bin'))).headers['last-modified']!;
  });
  const earlier = () => new Date(Date.parse(lm) - 60_000).toUTCString();
  const later = () => new Date(Date.parse(lm) + 60_000).toUTCString();

  it('If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since on GET and HEAD', async () => {
    const matrix: [Record<string, string>, number, string?][] = [
      [{ 'if-match': `"${MD5_HEX}"` }, 200],
      [{ 'if-match': '"0000"' }, 412, 'If-Match'],
      [{ 'if-none-match': `"${MD5_HEX}"` }, 304],
      [{ 'if-none-match': '"0000"' }, 200],
      [{ 'if-modified-since': lm }, 304],
      [{ 'if-modified-since': earlier() }, 200],
      [{ 'if-unmodified-since': earlier() }, 412, 'If-Unmodified-Since'],
      [{ 'if-unmodified-since': later() }, 200],
      [{ 'if-match': `"${MD5_HEX}"`, 'if-unmodified-since': earlier() }, 200],
      [{ 'if-none-match': '"0000"', 'if-modified-since': lm }, 200],
      [{ 'if-match': '"0000"', 'if-none-match': `"${MD5_HEX}"` }, 412, 'If-Match'],
      [{ 'if-none-match': `"${MD5_HEX}"`, range: 'bytes=0-9' }, 304],
      [{ 'if-match': `"${MD5_HEX}"`, range: 'bytes=0-9' }, 206],
    ];
    for (const [headers, status, condition] of matrix) {
      for (const method of ['GET', 'HEAD'] as const) {
        const r = await h.send(method, { bucket: 'bkt', key: 'data.bin', headers });
        const expected = method === 'HEAD' && status === 206 ? 200 : status;
        assert.equal(r.status, expected, `${method} ${JSON.stringify(headers)}`);
        if (status === 304) {
          assert.equal(r.body.length, 0);
          assert.equal(r.headers.etag, `"${MD5_HEX}"`);
        }
        if (status === 412) {
          assert.equal(errorOf(r).code, 'PreconditionFailed');
          assert.equal(xml(errorOf(r).xml, 'Condition'), condition);
          if (method === 'HEAD') assert.equal(r.body.length, 0);
        }
      }
    }
  });
});

describe('DeleteObject and object ACLs', () => {
  it('DeleteObject is 204 with or without the key; NoSuchBucket for a missing bucket', async () => {
    await ok(h.send('PUT', { bucket: 'bkt', key: 'gone.txt', body: Buffer.from('g') }));
    await ok(h.send('DELETE', { bucket: 'bkt', key: 'gone.txt' }), 204);
    assert.equal((await h.send('GET', { bucket: 'bkt', key: 'gone.txt' })).status, 404);
    const again = await ok(h.send('DELETE', { bucket: 'bkt', key: 'gone.txt' }), 204);
    assert.equal(again.body.length, 0);
    const nb = await h.send('DELETE', { bucket: 'nobucket', key: 'gone.txt' });
    assert.equal(nb.status, 404);
    assert.equal(errorOf(nb).code, 'NoSuchBucket');
  });

  it('PutObjectAcl / GetObjectAcl, default inherits; missing key is NoSuchKey', async () => {
    await ok(h.send('PUT', { bucket: 'bkt', key: 'acl.txt', body: Buffer.from('a') }));
    const initial = await ok(h.send('GET', { bucket: 'bkt', key: 'acl.txt', query: { acl: null } }));
    assert.equal(xml(initial.body, 'Grant'), 'default');
    assert.ok(xml(initial.body, 'ID'));
    assert.equal(xml(initial.body, 'DisplayName'), xml(initial.body, 'ID'));
    await ok(h.send('PUT', { bucket: 'bkt', key: 'acl.txt', query: { acl: null }, headers: { 'x-oss-object-acl': 'public-read-write' } }));
    assert.equal(xml((await ok(h.send('GET', { bucket: 'bkt', key: 'acl.txt', query: { acl: null } }))).body, 'Grant'), 'public-read-write');
    const missing = await h.send('PUT', { bucket: 'bkt', key: 'no-acl.txt', query: { acl: null }, headers: { 'x-oss-object-acl': 'private' } });
    assert.equal(missing.status, 404);
    assert.equal(errorOf(missing).code, 'NoSuchKey');
    const bad = await h.send('PUT', { bucket: 'bkt', key: 'acl.txt', query: { acl: null }, headers: { 'x-oss-object-acl': 'nope' } });
    assert.equal(bad.status, 400);
  });
});
