/**
 * ListObjects / ListObjectsV2 through the core: paging over 2500 objects (with and without a
 * delimiter), every key seen exactly once in UTF-8 byte order, common prefixes, encoding-type=url,
 * Owner on every V1 entry, parameter validation.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createHarness, type Harness, type Reply, T0, unescapeXml, xml, xmlAll } from './helpers.js';
import { byteCompare, objectRecord } from './storage-contract.js';

let h: Harness;
const KEYS: string[] = [];

async function ok(r: Promise<Reply> | Reply, status = 200): Promise<Reply> {
  const res = await r;
  assert.equal(res.status, status, `${res.status} ${res.body.toString()}`);
  return res;
}

before(async () => {
  h = await createHarness();
  await ok(h.send('PUT', { bucket: 'big' }));
  // 2500 keys: 20 "directories" of 100, 500 top-level keys, awkward characters mixed in.
  for (let d = 0; d < 20; d++) for (let i = 0; i < 100; i++) KEYS.push(`dir${String(d).padStart(2, '0')}/file-${String(i).padStart(3, '0')}`);
  for (let i = 0; i < 489; i++) KEYS.push(`top-${String(i).padStart(4, '0')}`);
  KEYS.push('a b', 'a+b', 'a%2Fb', '中文/x', '中文.txt', '中文z', 'Z-upper', 'zz/../y', '~tilde', '&amp;<x>', "quote'\"");
  // Metadata only: listing never reads object bytes, and 2500 fsynced blobs would be slow.
  for (const k of KEYS) await h.storage.metadata.putObject(objectRecord('big', k, [], { lastModified: T0 }));
  KEYS.sort(byteCompare);
});
after(() => h.close());

async function listAll(v2: boolean, params: Record<string, string>): Promise<{ keys: string[]; prefixes: string[]; pages: number }> {
  const keys: string[] = [];
  const prefixes: string[] = [];
  let pages = 0;
  let marker: string | undefined;
  for (;;) {
    const query: Record<string, string> = { ...params };
    if (v2) {
      query['list-type'] = '2';
      if (marker !== undefined) query['continuation-token'] = marker;
    } else if (marker !== undefined) query.marker = marker;
    const r = await ok(h.send('GET', { bucket: 'big', query }));
    pages++;
    const enc = params['encoding-type'] === 'url';
    const dec = (s: string) => (enc ? decodeURIComponent(s) : unescapeXml(s));
    keys.push(...xmlAll(r.body, 'Key').map(dec));
    const cp = xmlAll(r.body, 'CommonPrefixes').map((c) => dec(xml(c, 'Prefix')!));
    prefixes.push(...cp);
    if (v2) assert.equal(Number(xml(r.body, 'KeyCount')), xmlAll(r.body, 'Key').length + cp.length);
    if (xml(r.body, 'IsTruncated') !== 'true') break;
    marker = v2 ? xml(r.body, 'NextContinuationToken') : dec(xml(r.body, 'NextMarker')!);
    assert.ok(marker, 'a truncated page names where to continue');
    assert.ok(pages < 1000, 'paging does not terminate');
  }
  return { keys, prefixes, pages };
}

describe('paging over 2500 objects', () => {
  for (const v2 of [false, true]) {
    const name = v2 ? 'ListObjectsV2' : 'ListObjects';
    it(`${name}: every key exactly once, in UTF-8 byte order (max-keys 1000, then 7)`, async () => {
      const big = await listAll(v2, { 'max-keys': '1000' });
      assert.deepEqual(big.keys, KEYS);
      assert.equal(big.pages, 3);
      const small = await listAll(v2, { 'max-keys': '7' });
      assert.deepEqual(small.keys, KEYS);
      assert.equal(small.pages, Math.ceil(KEYS.length / 7));
    });

    it(`${name}: delimiter groups directories; pages continue past whole prefixes`, async () => {
      const all = await listAll(v2, { delimiter: '/', 'max-keys': '9' });
      const expectedKeys = KEYS.filter((k) => !k.includes('/'));
      const expectedPrefixes = [...new Set(KEYS.filter((k) => k.includes('/')).map((k) => k.slice(0, k.indexOf('/') + 1)))].sort(byteCompare);
      assert.deepEqual(all.keys, expectedKeys);
      assert.deepEqual(all.prefixes, expectedPrefixes);
    });

    it(`${name}: prefix + delimiter + encoding-type=url`, async () => {
      const r = await listAll(v2, { prefix: 'dir07/', delimiter: '/', 'encoding-type': 'url', 'max-keys': '33' });
      assert.deepEqual(
        r.keys,
        KEYS.filter((k) => k.startsWith('dir07/')),
      );
      const odd = await listAll(v2, { 'encoding-type': 'url' });
      assert.deepEqual(odd.keys, KEYS);
    });
  }

  it('V1 entries carry Owner, ETag, Size, Type, StorageClass, LastModified', async () => {
    const r = await ok(h.send('GET', { bucket: 'big', query: { prefix: 'top-0001', 'max-keys': '1' } }));
    const c = xml(r.body, 'Contents')!;
    assert.equal(xml(c, 'Key'), 'top-0001');
    assert.equal(xml(c, 'ETag'), '&quot;D41D8CD98F00B204E9800998ECF8427E&quot;');
    assert.equal(xml(c, 'Size'), '0');
    assert.equal(xml(c, 'Type'), 'Normal');
    assert.equal(xml(c, 'StorageClass'), 'Standard');
    assert.equal(xml(c, 'LastModified'), new Date(T0).toISOString());
    assert.match(xml(c, 'ID')!, /^\d{16}$/);
    assert.match(xml(c, 'DisplayName')!, /^\d{16}$/);
    assert.equal(xml(r.body, 'MaxKeys'), '1');
    assert.equal(xml(r.body, 'Prefix'), 'top-0001');
    assert.equal(xml(r.body, 'Marker'), '');
  });

  it('V2 entries carry Owner only with fetch-owner=true; StartAfter and ContinuationToken are echoed', async () => {
    const plain = await ok(h.send('GET', { bucket: 'big', query: { 'list-type': '2', 'max-keys': '2', 'start-after': 'top-0100' } }));
    assert.equal(xml(plain.body, 'Owner'), undefined);
    assert.equal(xml(plain.body, 'StartAfter'), 'top-0100');
    assert.deepEqual(xmlAll(plain.body, 'Key'), ['top-0101', 'top-0102']);
    const token = xml(plain.body, 'NextContinuationToken')!;
    const next = await ok(h.send('GET', { bucket: 'big', query: { 'list-type': '2', 'max-keys': '1', 'continuation-token': token, 'fetch-owner': 'true' } }));
    assert.equal(xml(next.body, 'ContinuationToken'), token);
    assert.deepEqual(xmlAll(next.body, 'Key'), ['top-0103']);
    assert.ok(xml(next.body, 'Owner'));
  });

  it('encoding-type=url encodes Key, Prefix, Marker, NextMarker, Delimiter, StartAfter, CommonPrefixes', async () => {
    const r = await ok(h.send('GET', { bucket: 'big', query: { prefix: '中', delimiter: '/', marker: '中文.txt', 'encoding-type': 'url', 'max-keys': '1' } }));
    assert.equal(xml(r.body, 'EncodingType'), 'url');
    assert.equal(xml(r.body, 'Prefix'), '%E4%B8%AD');
    assert.equal(xml(r.body, 'Delimiter'), '%2F');
    assert.equal(xml(r.body, 'Marker'), '%E4%B8%AD%E6%96%87.txt');
    assert.equal(xml(r.body, 'IsTruncated'), 'true');
    assert.equal(xml(xml(r.body, 'CommonPrefixes')!, 'Prefix'), '%E4%B8%AD%E6%96%87%2F');
    assert.equal(xml(r.body, 'NextMarker'), '%E4%B8%AD%E6%96%87%2F');
    const v2 = await ok(h.send('GET', { bucket: 'big', query: { 'list-type': '2', 'start-after': 'a b', 'encoding-type': 'url', 'max-keys': '2' } }));
    assert.equal(xml(v2.body, 'StartAfter'), 'a%20b');
    assert.deepEqual(xmlAll(v2.body, 'Key'), ['a%252Fb', 'a%2Bb']);
    const plain = await ok(h.send('GET', { bucket: 'big', query: { prefix: '&', 'max-keys': '1' } }));
    assert.equal(xml(plain.body, 'Key'), '&amp;amp;&lt;x&gt;', 'without encoding-type, keys are XML-escaped only');
  });

  it('an empty result and a missing bucket', async () => {
    const r = await ok(h.send('GET', { bucket: 'big', query: { prefix: 'nothing-here/' } }));
    assert.equal(xml(r.body, 'IsTruncated'), 'false');
    assert.equal(xmlAll(r.body, 'Contents').length, 0);
    const nb = await h.send('GET', { bucket: 'nosuchbucket', query: { 'list-type': '2' } });
    assert.equal(nb.status, 404);
    assert.equal(xml(nb.body, 'Code'), 'NoSuchBucket');
  });

  it('invalid max-keys and continuation tokens are 400 InvalidArgument', async () => {
    for (const query of [{ 'max-keys': '0' }, { 'max-keys': '1001' }, { 'max-keys': 'x' }, { 'list-type': '2', 'continuation-token': '***' }]) {
      const r = await h.send('GET', { bucket: 'big', query });
      assert.equal(r.status, 400, JSON.stringify(query));
      assert.equal(xml(r.body, 'Code'), 'InvalidArgument');
    }
  });
});

describe('keys and XML 1.0 (Pail\'s choice: keys cannot hold what XML cannot carry)', () => {
  /** Characters no XML 1.0 document may contain, not even as character references. */
  const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;
  const textOf = (s: string) => unescapeXml(s.replace(/&#13;/g, '\r'));

  before(async () => {
    if ((await h.storage.metadata.getBucket('ctl')) === undefined) await ok(h.send('PUT', { bucket: 'ctl' }));
  });

  it('keys with C0 controls other than tab/LF/CR, or U+FFFE/U+FFFF, are 400 InvalidObjectName wherever a key enters', async () => {
    for (const key of ['a\u0001b', '\u0000', 'x\u001f', 'nul\u0000.txt', 'a\u000bb', 'a\ufffe', 'a\uffff']) {
      const r = await h.send('PUT', { bucket: 'ctl', key, body: Buffer.from('x') });
      assert.equal(r.status, 400, JSON.stringify(key));
      assert.equal(xml(r.body, 'Code'), 'InvalidObjectName');
      assert.ok(!NOT_XML.test(r.body.toString()), 'the error document stays well-formed');
      assert.equal(await h.storage.metadata.getObject('ctl', key), undefined);
    }
    await ok(h.send('PUT', { bucket: 'ctl', key: 'src', body: Buffer.from('x') }));
    const copy = await h.send('PUT', { bucket: 'ctl', key: 'dst', headers: { 'x-oss-copy-source': '/ctl/a%01b' } });
    assert.equal(xml(copy.body, 'Code'), 'InvalidObjectName');
    const link = await h.send('PUT', { bucket: 'ctl', key: 'link', query: { symlink: null }, headers: { 'x-oss-symlink-target': 'a%01b' } });
    assert.equal(xml(link.body, 'Code'), 'InvalidObjectName');
    const body = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><Delete><Quiet>false</Quiet><Object><Key>a&#1;b</Key></Object></Delete>');
    const md5 = createHash('md5').update(body).digest('base64');
    const del = await h.send('POST', { bucket: 'ctl', query: { delete: null }, body, headers: { 'content-md5': md5 } });
    assert.equal(del.status, 400);
    assert.equal(xml(del.body, 'Code'), 'MalformedXML');
  });

  it('tab, LF and CR stay legal and list back exactly without encoding-type=url', async () => {
    const keys = ['ws/tab\tkey', 'ws/line\nfeed', 'ws/crlf\r\nkey'];
    for (const key of keys) await ok(h.send('PUT', { bucket: 'ctl', key, body: Buffer.from(key) }));
    for (const query of [{ prefix: 'ws/' }, { prefix: 'ws/', 'list-type': '2' }]) {
      const r = await ok(h.send('GET', { bucket: 'ctl', query }));
      const text = r.body.toString();
      assert.ok(!NOT_XML.test(text));
      assert.ok(!text.includes('\r'), 'a literal CR would be read back as LF');
      assert.deepEqual(xmlAll(r.body, 'Key').map(textOf).sort(byteCompare), [...keys].sort(byteCompare));
    }
  });

  it('echoed parameters XML cannot carry come back as U+FFFD, never as an ill-formed document', async () => {
    const list = await ok(h.send('GET', { bucket: 'ctl', query: { prefix: 'p\u0001', marker: 'm\u0002', delimiter: '\u0003' } }));
    assert.ok(!NOT_XML.test(list.body.toString()));
    assert.equal(xml(list.body, 'Prefix'), 'p\ufffd');
    const encoded = await ok(h.send('GET', { bucket: 'ctl', query: { prefix: 'p\u0001', 'encoding-type': 'url' } }));
    assert.equal(xml(encoded.body, 'Prefix'), 'p%01', 'encoding-type=url carries them exactly');
    const bad = await h.send('GET', { bucket: 'ctl', query: { 'max-keys': '\u0001' } });
    assert.equal(bad.status, 400);
    assert.ok(!NOT_XML.test(bad.body.toString()));
    assert.equal(xml(bad.body, 'ArgumentValue'), '\ufffd');
  });
});
