/**
 * Bucket and service operations through the core: ListBuckets, PutBucket (ACL header,
 * CreateBucketConfiguration), DeleteBucket, GetBucketInfo / Location / Stat, HeadBucket,
 * PutBucketAcl / GetBucketAcl, health and readiness probes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { accountIdFor } from '../src/auth/keys.js';
import { CREDS, createHarness, type Harness, type Reply, T0, xml, xmlAll } from './helpers.js';

let h: Harness;

async function ok(r: Promise<Reply> | Reply, status = 200): Promise<Reply> {
  const res = await r;
  assert.equal(res.status, status, `${res.status} ${res.body.toString()}`);
  return res;
}

const OWNER = accountIdFor(CREDS.accessKeyId);

before(async () => {
  h = await createHarness();
});
after(() => h.close());

describe('PutBucket and ListBuckets', () => {
  it('creates buckets with Location, default private ACL and Standard class', async () => {
    const r = await ok(h.send('PUT', { bucket: 'alpha' }));
    assert.equal(r.headers.location, '/alpha');
    const acl = await ok(h.send('GET', { bucket: 'alpha', query: { acl: null } }));
    assert.equal(xml(acl.body, 'Grant'), 'private');
    assert.equal(xml(acl.body, 'ID'), OWNER);
  });

  it('honours x-oss-acl and CreateBucketConfiguration/StorageClass (Content-MD5 checked)', async () => {
    const body = Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<CreateBucketConfiguration><StorageClass>IA</StorageClass><DataRedundancyType>LRS</DataRedundancyType></CreateBucketConfiguration>');
    const md5 = createHash('md5').update(body).digest('base64');
    await ok(h.send('PUT', { bucket: 'beta', headers: { 'x-oss-acl': 'public-read', 'content-md5': md5, 'content-type': 'application/xml' }, body }));
    const info = await ok(h.send('GET', { bucket: 'beta', query: { bucketInfo: null } }));
    assert.equal(xml(info.body, 'StorageClass'), 'IA');
    assert.equal(xml(info.body, 'Grant'), 'public-read');
    const badMd5 = await h.send('PUT', { bucket: 'gamma', headers: { 'content-md5': 'AAAAAAAAAAAAAAAAAAAAAA==' }, body });
    assert.equal(badMd5.status, 400);
    assert.equal(xml(badMd5.body, 'Code'), 'InvalidDigest');
    assert.equal(await h.storage.metadata.getBucket('gamma'), undefined);
  });

  it('refuses bad ACLs, bad XML, bad storage classes and existing names', async () => {
    const cases: [Parameters<Harness['send']>[1], number, string][] = [
      [{ bucket: 'delta', headers: { 'x-oss-acl': 'everyone' } }, 400, 'InvalidArgument'],
      [{ bucket: 'delta', body: Buffer.from('<CreateBucketConfiguration><StorageClass>') }, 400, 'MalformedXML'],
      [{ bucket: 'delta', body: Buffer.from('<Other/>') }, 400, 'MalformedXML'],
      [{ bucket: 'delta', body: Buffer.from('<CreateBucketConfiguration><StorageClass>Glacier</StorageClass></CreateBucketConfiguration>') }, 400, 'InvalidArgument'],
      [{ bucket: 'alpha' }, 409, 'BucketAlreadyExists'],
    ];
    for (const [init, status, code] of cases) {
      const r = await h.send('PUT', init);
      assert.equal(r.status, status, JSON.stringify(init));
      assert.equal(xml(r.body, 'Code'), code);
    }
    assert.equal(await h.storage.metadata.getBucket('delta'), undefined);
  });

  it('ListBuckets lists every bucket with Owner, Location and Region; prefix, marker and max-keys page', async () => {
    const r = await ok(h.send('GET'));
    assert.equal(r.headers['content-type'], 'application/xml');
    assert.equal(xml(r.body, 'ID'), OWNER);
    assert.deepEqual(xmlAll(r.body, 'Name'), ['alpha', 'beta']);
    assert.deepEqual(xmlAll(r.body, 'Location'), ['oss-cn-hangzhou', 'oss-cn-hangzhou']);
    assert.deepEqual(xmlAll(r.body, 'Region'), ['cn-hangzhou', 'cn-hangzhou']);
    assert.equal(xml(r.body, 'CreationDate'), new Date(T0).toISOString());
    const page = await ok(h.send('GET', { query: { 'max-keys': '1' } }));
    assert.deepEqual(xmlAll(page.body, 'Name'), ['alpha']);
    assert.equal(xml(page.body, 'IsTruncated'), 'true');
    assert.equal(xml(page.body, 'NextMarker'), 'alpha');
    const next = await ok(h.send('GET', { query: { marker: 'alpha' } }));
    assert.deepEqual(xmlAll(next.body, 'Name'), ['beta']);
    const pre = await ok(h.send('GET', { query: { prefix: 'be' } }));
    assert.deepEqual(xmlAll(pre.body, 'Name'), ['beta']);
  });
});

describe('bucket information', () => {
  it('GetBucketInfo', async () => {
    const r = await ok(h.send('GET', { bucket: 'alpha', query: { bucketInfo: null } }));
    for (const [el, value] of [
      ['Name', 'alpha'],
      ['Location', 'oss-cn-hangzhou'],
      ['Region', 'cn-hangzhou'],
      ['StorageClass', 'Standard'],
      ['CreationDate', new Date(T0).toISOString()],
      ['ExtranetEndpoint', 'localhost:9000'],
      ['ID', OWNER],
      ['Grant', 'private'],
    ]) {
      assert.equal(xml(r.body, el!), value, el);
    }
  });

  it('GetBucketLocation answers oss-<region>', async () => {
    const r = await ok(h.send('GET', { bucket: 'alpha', query: { location: null } }));
    assert.match(r.body.toString(), /^<\?xml version="1.0" encoding="UTF-8"\?>\n<LocationConstraint>oss-cn-hangzhou<\/LocationConstraint>/);
  });

  it('GetBucketStat counts objects and bytes', async () => {
    await ok(h.send('PUT', { bucket: 'alpha', key: 'a', body: Buffer.alloc(10) }));
    await ok(h.send('PUT', { bucket: 'alpha', key: 'b', body: Buffer.alloc(32) }));
    const r = await ok(h.send('GET', { bucket: 'alpha', query: { stat: null } }));
    assert.equal(xml(r.body, 'ObjectCount'), '2');
    assert.equal(xml(r.body, 'Storage'), '42');
    assert.equal(xml(r.body, 'MultipartUploadCount'), '0');
    assert.equal(xml(r.body, 'LastModifiedTime'), String(Math.floor(T0 / 1000)));
  });

  it('HeadBucket: 200, or 404 with x-oss-err', async () => {
    await ok(h.send('HEAD', { bucket: 'alpha' }));
    const r = await h.send('HEAD', { bucket: 'nosuch' });
    assert.equal(r.status, 404);
    assert.equal(r.body.length, 0);
    assert.equal(xml(Buffer.from(r.headers['x-oss-err']!, 'base64'), 'Code'), 'NoSuchBucket');
  });

  it('PutBucketAcl / GetBucketAcl', async () => {
    await ok(h.send('PUT', { bucket: 'alpha', query: { acl: null }, headers: { 'x-oss-acl': 'public-read-write' } }));
    const r = await ok(h.send('GET', { bucket: 'alpha', query: { acl: null } }));
    assert.match(r.body.toString(), /<AccessControlPolicy>\s*<Owner>\s*<ID>\d{16}<\/ID>\s*<DisplayName>\d{16}<\/DisplayName>\s*<\/Owner>\s*<AccessControlList>\s*<Grant>public-read-write<\/Grant>/);
    const missing = await h.send('PUT', { bucket: 'alpha', query: { acl: null } });
    assert.equal(missing.status, 400);
    const nb = await h.send('PUT', { bucket: 'nosuch', query: { acl: null }, headers: { 'x-oss-acl': 'private' } });
    assert.equal(nb.status, 404);
    assert.equal(xml(nb.body, 'Code'), 'NoSuchBucket');
  });
});

describe('DeleteBucket', () => {
  it('409 BucketNotEmpty while objects remain, then 204; then NoSuchBucket', async () => {
    await ok(h.send('PUT', { bucket: 'doomed' }));
    await ok(h.send('PUT', { bucket: 'doomed', key: 'k', body: Buffer.from('x') }));
    const full = await h.send('DELETE', { bucket: 'doomed' });
    assert.equal(full.status, 409);
    assert.equal(xml(full.body, 'Code'), 'BucketNotEmpty');
    assert.equal(xml(full.body, 'EC'), '0015-00000301');
    assert.equal(xml(full.body, 'BucketName'), 'doomed');
    await ok(h.send('DELETE', { bucket: 'doomed', key: 'k' }), 204);
    await ok(h.send('DELETE', { bucket: 'doomed' }), 204);
    const again = await h.send('DELETE', { bucket: 'doomed' });
    assert.equal(again.status, 404);
    assert.equal(xml(again.body, 'Code'), 'NoSuchBucket');
  });
});

describe('probes and virtual-hosted addressing', () => {
  it('/-/health and /-/ready on the service host; not on a bucket host', async () => {
    const health = await ok(h.raw({ target: '/-/health' }));
    assert.equal(health.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(health.body.toString()), { status: 'ok' });
    assert.deepEqual(JSON.parse((await ok(h.raw({ target: '/-/ready' }))).body.toString()), { status: 'ready' });
    assert.equal((await ok(h.raw({ method: 'HEAD', target: '/-/ready' }))).body.length, 0);
    const onBucket = await h.raw({ target: '/-/health', headers: { host: 'alpha.localhost:9000' } });
    assert.equal(onBucket.operation, 'GetObject');
    assert.equal(onBucket.status, 404, 'an ordinary (missing) key of a public-read-write bucket');
  });

  it('bucket operations over virtual-hosted style', async () => {
    const { headers } = h.sign('GET', { bucket: 'beta', query: { acl: null } });
    const r = await ok(h.raw({ target: '/?acl', headers: { ...headers, host: 'beta.localhost:9000' } }));
    assert.equal(xml(r.body, 'Grant'), 'public-read');
    assert.equal(xml(r.body, 'HostId'), undefined);
    const info = await ok(h.raw({ target: '/?bucketInfo', headers: { ...h.sign('GET', { bucket: 'beta', query: { bucketInfo: null } }).headers, host: 'beta.localhost:9000' } }));
    assert.equal(xml(info.body, 'ExtranetEndpoint'), 'localhost:9000');
  });

  it('errors name the host addressed in HostId', async () => {
    const r = await h.raw({ target: '/nokey', headers: { host: 'beta.localhost:9000' } });
    assert.equal(r.status, 404);
    assert.equal(xml(r.body, 'HostId'), 'beta.localhost:9000');
  });
});
