/**
 * Protocol parsing: addressing (path / virtual-hosted / reserved prefix), decoding of raw
 * targets (keys that WHATWG URL would rewrite), query parsing, names, Range, preconditions,
 * the small XML reader/writer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OssError } from '../src/errors/oss-error.js';
import { resolveAddress, virtualHostBucket } from '../src/protocol/address.js';
import { evaluatePreconditions } from '../src/protocol/conditional.js';
import { contentTypeForKey } from '../src/protocol/headers.js';
import { decodeContinuationToken, encodeContinuationToken } from '../src/protocol/operations.js';
import { resolveRange } from '../src/protocol/range.js';
import { parseRequest } from '../src/protocol/request.js';
import { parseQuery, percentDecode, splitTarget } from '../src/protocol/target.js';
import { parseXml, xmlDocument } from '../src/protocol/xml.js';

const DOMAINS = ['oss.example.com', 'localhost'];

/** Both parsing steps: routing (`parseRequest`) and the arguments (`route.args()`, after authorization in core.ts). */
function parse(method: string, target: string, host = 'localhost:9000', headers: Record<string, string> = {}) {
  const parsed = parseRequest({ method, rawTarget: target, headers: { host, ...headers } }, { domains: DOMAINS });
  return { ...parsed, op: parsed.route.args() };
}

function route(method: string, target: string, host = 'localhost:9000', headers: Record<string, string> = {}) {
  return parseRequest({ method, rawTarget: target, headers: { host, ...headers } }, { domains: DOMAINS }).route;
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof OssError) return `${e.status} ${e.code}`;
    throw e;
  }
  return 'ok';
}

describe('addressing', () => {
  it('path style: service, bucket, object', () => {
    assert.deepEqual(resolveAddress('localhost:9000', '/', DOMAINS), { kind: 'oss', level: 'service', style: 'path', bucket: null, key: '' });
    assert.deepEqual(resolveAddress('localhost:9000', '/bkt', DOMAINS), { kind: 'oss', level: 'bucket', style: 'path', bucket: 'bkt', key: '' });
    assert.deepEqual(resolveAddress('localhost:9000', '/bkt/', DOMAINS), { kind: 'oss', level: 'bucket', style: 'path', bucket: 'bkt', key: '' });
    assert.deepEqual(resolveAddress('127.0.0.1:9000', '/bkt/a/b.txt', DOMAINS), {
      kind: 'oss',
      level: 'object',
      style: 'path',
      bucket: 'bkt',
      key: 'a/b.txt',
    });
  });

  it('virtual-hosted style on every base domain, with or without port, case-insensitive host', () => {
    assert.deepEqual(resolveAddress('bkt.localhost:9000', '/k', DOMAINS), { kind: 'oss', level: 'object', style: 'virtual', bucket: 'bkt', key: 'k' });
    assert.deepEqual(resolveAddress('BKT.OSS.Example.com', '/', DOMAINS), { kind: 'oss', level: 'bucket', style: 'virtual', bucket: 'bkt', key: '' });
    // The whole path is the key on a bucket host, even when it starts with the bucket name.
    assert.deepEqual(resolveAddress('bkt.localhost', '/bkt/k', DOMAINS), { kind: 'oss', level: 'object', style: 'virtual', bucket: 'bkt', key: 'bkt/k' });
  });

  it('any other Host is the service host (path style)', () => {
    assert.equal(virtualHostBucket('localhost:9000', DOMAINS), null);
    assert.equal(virtualHostBucket('example.com', DOMAINS), null);
    assert.equal(virtualHostBucket('a.b.localhost', DOMAINS), null, 'two labels are not a bucket');
    assert.equal(virtualHostBucket('xlocalhost', DOMAINS), null);
    assert.equal(virtualHostBucket('[::1]:9000', DOMAINS), null);
    assert.equal(virtualHostBucket(undefined, DOMAINS), null);
    assert.equal(resolveAddress('evil.example.net', '/bkt/k', DOMAINS).kind, 'oss');
  });

  it('the reserved /-/ prefix exists only on the service host', () => {
    assert.deepEqual(resolveAddress('localhost:9000', '/-/health', DOMAINS), { kind: 'reserved', path: '/health' });
    assert.equal(parse('GET', '/-/health').op.name, 'PailHealth');
    assert.equal(parse('HEAD', '/-/ready').op.name, 'PailReady');
    // On a bucket host it is an ordinary key.
    const onBucket = parse('GET', '/-/health', 'bkt.localhost:9000');
    assert.equal(onBucket.op.name, 'GetObject');
    assert.equal(onBucket.key, '-/health');
    // No bucket can take it: '-' is not a valid bucket name.
    assert.equal(code(() => parse('GET', '/-')), '400 InvalidBucketName');
    assert.equal(code(() => parse('GET', '/-/nope')), '404 NotFound');
    assert.equal(code(() => parse('PUT', '/-/health')), '405 MethodNotAllowed');
  });
});

describe('raw targets are decoded once and never normalised', () => {
  const keyOf = (target: string) => parse('GET', target).key;

  it('keeps dot segments, encoded dots, double slashes and plus signs', () => {
    assert.equal(keyOf('/bkt/a/../b'), 'a/../b');
    assert.equal(keyOf('/bkt/./x'), './x');
    assert.equal(keyOf('/bkt/a/%2E%2E/b'), 'a/../b');
    assert.equal(keyOf('/bkt/%2E%2E'), '..');
    assert.equal(keyOf('/bkt/a//x'), 'a//x');
    assert.equal(keyOf('/bkt/a+b'), 'a+b', 'a literal + in the path is a plus sign');
    assert.equal(keyOf('/bkt/a%2Bb%20c'), 'a+b c');
    assert.equal(keyOf('/bkt/dir%2Fkey'), 'dir/key');
    assert.equal(keyOf('/bkt/%25'), '%', 'decoded once: %25 is a percent sign, not an escape');
    assert.equal(keyOf('/bkt/%2541'), '%41');
    assert.equal(keyOf('/bkt/%E4%B8%AD%E6%96%87.txt'), '中文.txt');
    // Raw UTF-8 octets, as Node hands them over (latin1 string of the bytes).
    assert.equal(keyOf(`/bkt/${Buffer.from('中', 'utf8').toString('latin1')}`), '中');
  });

  it('refuses bad percent-encoding and invalid UTF-8 with 400, never 500', () => {
    for (const t of ['/bkt/%', '/bkt/%4', '/bkt/%zz', '/bkt/%C3', '/bkt/%FF%FE', '/bkt/%ED%A0%80', '/bkt/k?a=%', '/bkt/k?%E4=1', '/b%kt/k']) {
      assert.equal(code(() => parse('GET', t)), '400 InvalidURI', t);
    }
  });

  it('keys starting with / or \\, empty after decoding, or over 1023 bytes are InvalidObjectName', () => {
    assert.equal(code(() => parse('GET', '/bkt//x')), '400 InvalidObjectName');
    assert.equal(code(() => parse('GET', '/bkt/%2Fx')), '400 InvalidObjectName');
    assert.equal(code(() => parse('GET', '/bkt/%5Cx')), '400 InvalidObjectName');
    assert.equal(code(() => parse('GET', '//x', 'bkt.localhost')), '400 InvalidObjectName');
    assert.equal(code(() => parse('GET', `/bkt/${'a'.repeat(1023)}`)), 'ok');
    assert.equal(code(() => parse('GET', `/bkt/${'a'.repeat(1024)}`)), '400 InvalidObjectName');
    assert.equal(code(() => parse('GET', `/bkt/${'%E4%B8%AD'.repeat(341)}`)), 'ok', '1023 bytes of CJK');
    assert.equal(code(() => parse('GET', `/bkt/${'%E4%B8%AD'.repeat(342)}`)), '400 InvalidObjectName');
  });

  it('bucket names follow the OSS rules', () => {
    for (const ok of ['abc', 'a-b', '0aa', 'a'.repeat(63)]) assert.equal(code(() => parse('GET', `/${ok}/`)), 'ok', ok);
    for (const bad of ['ab', 'ABC', 'a_b', '-ab', 'ab-', 'a.b', 'a'.repeat(64), '%E4%B8%AD%E6%96%87', 'a%2Fb']) {
      assert.equal(code(() => parse('GET', `/${bad}/`)), '400 InvalidBucketName', bad);
    }
    assert.equal(code(() => parse('GET', '/', 'Bad_Name.localhost')), '400 InvalidBucketName');
  });

  it('splits absolute-form targets without URL', () => {
    assert.deepEqual(splitTarget('http://localhost:9000/bkt/a/../b?x=1'), { rawPath: '/bkt/a/../b', rawQuery: 'x=1' });
    assert.deepEqual(splitTarget('/bkt?'), { rawPath: '/bkt', rawQuery: '' });
    assert.equal(code(() => splitTarget('*')), '400 InvalidURI');
  });
});

describe('query parsing', () => {
  it('decodes names and values once, + as space, keeps wire order and hasValue', () => {
    assert.deepEqual(parseQuery('acl&prefix=a%2Fb+c&max-keys=&x=%2B'), [
      { name: 'acl', value: '', hasValue: false },
      { name: 'prefix', value: 'a/b c', hasValue: true },
      { name: 'max-keys', value: '', hasValue: true },
      { name: 'x', value: '+', hasValue: true },
    ]);
    assert.deepEqual(parseQuery('a=1&&b=2'), [
      { name: 'a', value: '1', hasValue: true },
      { name: 'b', value: '2', hasValue: true },
    ]);
    assert.equal(percentDecode('a+b', true), 'a b');
    assert.equal(percentDecode('a+b', false), 'a+b');
  });

  it('duplicate parameter names are refused', () => {
    assert.equal(code(() => parse('GET', '/bkt/?prefix=a&prefix=b')), '400 InvalidArgument');
  });

  it('routing never fails on arguments: name and access pairs first, arguments parsed by args()', () => {
    for (const [method, target, headers, name] of [
      ['GET', '/bkt/?prefix=a&prefix=b', {}, 'ListObjects'],
      ['GET', '/bkt/?max-keys=abc', {}, 'ListObjects'],
      ['GET', '/bkt/?list-type=2&continuation-token=%21%21', {}, 'ListObjectsV2'],
      ['PUT', '/bkt/?acl', { 'x-oss-acl': 'bogus' }, 'PutBucketAcl'],
      ['PUT', '/bkt/k?partNumber=x&uploadId=u', {}, 'UploadPart'],
      ['PUT', '/bkt/k', { 'x-oss-copy-source': 'nonsense' }, 'CopyObject'],
      ['GET', '/bkt/k?response-content-type=a%0D%0Ab', {}, 'GetObject'],
    ] as const) {
      const r = route(method, target, 'localhost:9000', headers);
      assert.equal(r.name, name, target);
      assert.equal(r.access.length > 0, true, target);
      assert.equal(code(() => r.args()), '400 InvalidArgument', target);
    }
  });

  it('list parameters are validated', () => {
    assert.equal(code(() => parse('GET', '/bkt/?max-keys=0')), '400 InvalidArgument');
    assert.equal(code(() => parse('GET', '/bkt/?max-keys=1001')), '400 InvalidArgument');
    assert.equal(code(() => parse('GET', '/bkt/?max-keys=-1')), '400 InvalidArgument');
    assert.equal(code(() => parse('GET', '/bkt/?max-keys=ten')), '400 InvalidArgument');
    assert.equal(code(() => parse('GET', '/bkt/?max-keys=')), 'ok', 'empty = default');
    assert.equal(code(() => parse('GET', '/bkt/?encoding-type=base64')), '400 InvalidArgument');
    assert.equal(code(() => parse('GET', '/bkt/?list-type=2&continuation-token=%21%21')), '400 InvalidArgument');
    const op = parse('GET', '/bkt/?list-type=2&max-keys=1000&encoding-type=URL').op;
    assert.equal(op.name, 'ListObjectsV2');
    assert.ok(op.name === 'ListObjectsV2' && op.maxKeys === 1000 && op.encodingType === 'url');
  });

  it('continuation tokens round-trip any key', () => {
    for (const k of ['', 'a', 'dir/', '中文/测试 文件.txt', 'a+b=c&d', '\u0001']) {
      assert.equal(decodeContinuationToken(encodeContinuationToken(k)), k);
    }
  });

  it('GetObject response-* overrides are carried as header octets; CR/LF refused', () => {
    const op = parse('GET', '/bkt/k?response-content-disposition=attachment%3B%20filename%3D%22%E4%B8%AD.txt%22&response-content-type=text%2Fx').op;
    assert.equal(op.name, 'GetObject');
    if (op.name !== 'GetObject') return;
    assert.equal(op.overrides['Content-Type'], 'text/x');
    assert.equal(Buffer.from(op.overrides['Content-Disposition']!, 'latin1').toString('utf8'), 'attachment; filename="中.txt"');
    assert.equal(code(() => parse('GET', '/bkt/k?response-content-type=a%0D%0AX-Evil%3A%201')), '400 InvalidArgument');
  });
});

describe('Range (OSS behaviour, x-oss-range-behavior: standard)', () => {
  const size = 1000;
  const cases: [string | undefined, string, string][] = [
    // header, default, standard
    [undefined, 'whole', 'whole'],
    ['bytes=0-499', '0-499', '0-499'],
    ['bytes=500-', '500-999', '500-999'],
    ['bytes=-500', '500-999', '500-999'],
    ['bytes=0-', '0-999', '0-999'],
    ['bytes=999-999', '999-999', '999-999'],
    ['bytes=0-1000', 'whole', '0-999'],
    ['bytes=500-2000', 'whole', '500-999'],
    ['bytes=1000-2000', 'whole', '416'],
    ['bytes=1000-', 'whole', '416'],
    ['bytes=-2000', 'whole', '0-999'],
    ['bytes=-0', 'whole', '416'],
    ['bytes=5-1', 'whole', 'whole'],
    ['bytes=0-1,5-6', 'whole', 'whole'],
    ['byte=0-1', 'whole', 'whole'],
    ['bytes=a-b', 'whole', 'whole'],
    ['bytes=-', 'whole', 'whole'],
    ['bytes=99999999999999999999-', 'whole', '416'],
  ];
  const show = (r: ReturnType<typeof resolveRange>) => (r.kind === 'partial' ? `${r.start}-${r.end}` : r.kind === 'whole' ? 'whole' : '416');
  for (const [h, dflt, standard] of cases) {
    it(`${h ?? '(none)'} → ${dflt} / ${standard}`, () => {
      assert.equal(show(resolveRange(h, size, false)), dflt);
      assert.equal(show(resolveRange(h, size, true)), standard);
    });
  }
  it('an empty object has no satisfiable range', () => {
    assert.equal(show(resolveRange('bytes=0-', 0, false)), 'whole');
    assert.equal(show(resolveRange('bytes=0-', 0, true)), '416');
    assert.equal(show(resolveRange('bytes=-5', 0, true)), '416');
  });
});

describe('preconditions (RFC 7232 §6 order)', () => {
  const etag = 'ABCDEF0123456789ABCDEF0123456789';
  const lm = Date.UTC(2026, 0, 10, 0, 0, 0, 500);
  const now = Date.UTC(2026, 0, 15);
  const before = new Date(lm - 86_400_000).toUTCString();
  const same = new Date(lm).toUTCString();
  const after = new Date(lm + 86_400_000).toUTCString();
  const run = (h: Record<string, string>) => evaluatePreconditions(h, etag, lm, now).kind;

  it('If-Match', () => {
    assert.equal(run({ 'if-match': `"${etag}"` }), 'proceed');
    assert.equal(run({ 'if-match': `"${etag.toLowerCase()}"` }), 'proceed');
    assert.equal(run({ 'if-match': `"nope", "${etag}"` }), 'proceed');
    assert.equal(run({ 'if-match': '*' }), 'proceed');
    assert.equal(run({ 'if-match': '"nope"' }), 'failed');
  });
  it('If-Unmodified-Since, ignored when If-Match is present', () => {
    assert.equal(run({ 'if-unmodified-since': before }), 'failed');
    assert.equal(run({ 'if-unmodified-since': same }), 'proceed', 'second resolution');
    assert.equal(run({ 'if-unmodified-since': after }), 'proceed');
    assert.equal(run({ 'if-unmodified-since': 'garbage' }), 'proceed');
    assert.equal(run({ 'if-match': `"${etag}"`, 'if-unmodified-since': before }), 'proceed');
  });
  it('If-None-Match and If-Modified-Since', () => {
    assert.equal(run({ 'if-none-match': `"${etag}"` }), 'not-modified');
    assert.equal(run({ 'if-none-match': `W/"${etag}"` }), 'not-modified');
    assert.equal(run({ 'if-none-match': '"other"' }), 'proceed');
    assert.equal(run({ 'if-modified-since': same }), 'not-modified');
    assert.equal(run({ 'if-modified-since': after }), 'not-modified');
    assert.equal(run({ 'if-modified-since': before }), 'proceed');
    assert.equal(run({ 'if-modified-since': new Date(now + 86_400_000).toUTCString() }), 'proceed', 'future dates are ignored');
    assert.equal(run({ 'if-none-match': '"other"', 'if-modified-since': after }), 'proceed', 'If-None-Match wins');
  });
  it('412 beats 304', () => {
    assert.equal(run({ 'if-match': '"nope"', 'if-none-match': `"${etag}"` }), 'failed');
  });
});

describe('small helpers', () => {
  it('default Content-Type by extension', () => {
    assert.equal(contentTypeForKey('a/b.TXT'), 'text/plain');
    assert.equal(contentTypeForKey('x.json'), 'application/json');
    assert.equal(contentTypeForKey('dir.d/noext'), 'application/octet-stream');
    assert.equal(contentTypeForKey('trailing.'), 'application/octet-stream');
    assert.equal(contentTypeForKey('x.unknownext'), 'application/octet-stream');
  });

  it('XML writer escapes; reader handles declarations, attributes, entities, CDATA and refuses DTDs', () => {
    const doc = xmlDocument('R', [
      ['A', 'x<&>"\''],
      ['B', [['C', 1]]],
      false,
    ]).toString();
    assert.match(doc, /<A>x&lt;&amp;&gt;&quot;&apos;<\/A>/);
    const root = parseXml(
      '<?xml version="1.0"?>\n<!-- c --><CreateBucketConfiguration xmlns="x"><StorageClass>I&amp;A&#65;<![CDATA[<z>]]></StorageClass><E/></CreateBucketConfiguration>',
    );
    assert.equal(root.name, 'CreateBucketConfiguration');
    assert.equal(root.children[0]!.text, 'I&AA<z>');
    assert.equal(root.children[1]!.name, 'E');
    for (const bad of ['', '<a>', '<a></b>', '<a/><b/>', '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', 'text', '<a>&bogus;</a>', '<a>&</a>']) {
      assert.throws(() => parseXml(bad), /./, bad);
    }
  });
});
