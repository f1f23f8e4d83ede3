/**
 * Bucket CORS (docs/compatibility.md, "CORS"): the document (PutBucketCors / GetBucketCors /
 * DeleteBucketCors), wildcard matching, the unauthenticated OPTIONS preflight (OptionObject) and
 * the headers on actual responses, errors included (Pail's choice). Real sockets, real signatures.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { presignUrlSync } from '@pail/sign';
import { corsConfigurationXml, matchCorsRule, parseCorsConfiguration, wildcardMatch } from '../src/protocol/cors.js';
import { OssError } from '../src/errors/oss-error.js';
import { type RunningServer, startServer } from '../src/index.js';

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(url: string, method: string, headers: Record<string, string> = {}, body?: Buffer): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { ...headers, 'content-length': String(body?.length ?? 0) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const xmlCode = (body: string) => /<Code>([^<]*)<\/Code>/.exec(body)?.[1];

function cors(rules: string[], vary?: boolean): Buffer {
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><CORSConfiguration>${rules.map((r) => `<CORSRule>${r}</CORSRule>`).join('')}` +
      `${vary === undefined ? '' : `<ResponseVary>${vary}</ResponseVary>`}</CORSConfiguration>`,
  );
}

describe('CORS: wildcard matching', () => {
  it('matches one * as any run of characters, ignoring ASCII case', () => {
    const cases: [string, string, boolean][] = [
      ['*', 'https://a.example', true],
      ['https://*.example.com', 'https://a.example.com', true],
      ['https://*.example.com', 'https://a.b.example.com', true],
      ['https://*.example.com', 'https://example.com', false],
      ['https://*.example.com', 'http://a.example.com', false],
      ['http://127.0.0.1:*', 'http://127.0.0.1:8080', true],
      ['http://127.0.0.1:*', 'http://127.0.0.1', false],
      ['HTTPS://A.Example', 'https://a.example', true],
      ['x-oss-*', 'x-oss-meta-a', true],
      ['x-oss-*', 'x-os', false],
      ['a*a', 'a', false],
      ['a*a', 'aa', true],
      ['exact', 'exact', true],
      ['exact', 'exactly', false],
    ];
    for (const [p, v, want] of cases) assert.equal(wildcardMatch(p, v), want, `${p} ~ ${v}`);
  });

  it('handles long adversarial inputs (a prefix/suffix comparison, no backtracking)', () => {
    const value = `${'a'.repeat(100_000)}b`;
    assert.equal(wildcardMatch(`${'a'.repeat(50_000)}*${'a'.repeat(50_000)}c`, value), false);
    assert.equal(wildcardMatch(`a*b`, value), true);
  });
});

describe('CORS: the CORSConfiguration document', () => {
  it('round-trips rules and ResponseVary', () => {
    const c = parseCorsConfiguration(
      cors(
        [
          '<AllowedOrigin>https://*.example.com</AllowedOrigin><AllowedOrigin>http://localhost:3000</AllowedOrigin>' +
            '<AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedHeader>x-oss-*</AllowedHeader>' +
            '<ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>100</MaxAgeSeconds>',
          '<AllowedOrigin>*</AllowedOrigin><AllowedMethod>PUT</AllowedMethod>',
        ],
        true,
      ).toString(),
    );
    assert.equal(c.rules.length, 2);
    assert.equal(c.responseVary, true);
    assert.deepEqual(c.rules[0], {
      allowedOrigins: ['https://*.example.com', 'http://localhost:3000'],
      allowedMethods: ['GET', 'HEAD'],
      allowedHeaders: ['x-oss-*'],
      exposeHeaders: ['ETag'],
      maxAgeSeconds: 100,
    });
    assert.deepEqual(parseCorsConfiguration(corsConfigurationXml(c).toString()), c);
    assert.equal(parseCorsConfiguration(cors(['<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>']).toString()).responseVary, false);
  });

  const refused: [string, string, string, string?][] = [
    ['two wildcards in an origin', cors(['<AllowedOrigin>https://*.*.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod>']).toString(), 'InvalidArgument'],
    ['two wildcards in a header', cors(['<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>**</AllowedHeader>']).toString(), 'InvalidArgument'],
    ['a wildcard in ExposeHeader', cors(['<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><ExposeHeader>x-*</ExposeHeader>']).toString(), 'InvalidArgument'],
    ['an unknown method', cors(['<AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod>']).toString(), 'InvalidArgument'],
    ['no origin', cors(['<AllowedMethod>GET</AllowedMethod>']).toString(), 'InvalidArgument'],
    ['no method', cors(['<AllowedOrigin>*</AllowedOrigin>']).toString(), 'InvalidArgument'],
    ['two MaxAgeSeconds', cors(['<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>1</MaxAgeSeconds><MaxAgeSeconds>2</MaxAgeSeconds>']).toString(), 'InvalidArgument'],
    ['a negative MaxAgeSeconds', cors(['<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>-1</MaxAgeSeconds>']).toString(), 'InvalidArgument'],
    ['11 rules', cors(Array(11).fill('<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>')).toString(), 'InvalidArgument'],
    ['ResponseVary 0', cors(['<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>'], 0 as unknown as boolean).toString(), 'InvalidArgument', '0034-00000004'],
    ['another root element', '<CORS><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORS>', 'MalformedXML'],
    ['no rule', '<CORSConfiguration></CORSConfiguration>', 'MalformedXML'],
    ['not XML', 'CORSConfiguration', 'MalformedXML'],
  ];
  for (const [what, doc, code, ec] of refused) {
    it(`refuses ${what}: ${code}`, () => {
      assert.throws(
        () => parseCorsConfiguration(doc),
        (e: unknown) => e instanceof OssError && e.code === code && (ec === undefined || e.ec === ec),
      );
    });
  }

  it('matches the first rule whose origin, method and every requested header match', () => {
    const c = parseCorsConfiguration(
      cors([
        '<AllowedOrigin>https://a.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>range</AllowedHeader>',
        '<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedHeader>*</AllowedHeader>',
      ]).toString(),
    );
    assert.equal(matchCorsRule(c, 'https://a.example', 'GET', ['range']), c.rules[0]);
    assert.equal(matchCorsRule(c, 'https://a.example', 'GET', ['range', 'x-custom']), c.rules[1]);
    assert.equal(matchCorsRule(c, 'https://b.example', 'PUT'), c.rules[1]);
    assert.equal(matchCorsRule(c, 'https://b.example', 'DELETE'), undefined);
  });
});

describe('CORS: over HTTP', () => {
  let server: RunningServer;
  let dataDir: string;
  const BUCKET = 'cors-bucket';
  const ORIGIN = 'https://app.example';
  const url = (o: { method?: string; key?: string; query?: Record<string, string | null>; expires?: number; date?: number } = {}) =>
    presignUrlSync({
      endpoint: server.url,
      pathStyle: true,
      region: 'cn-hangzhou',
      credentials: server.rootCredentials,
      bucket: BUCKET,
      method: o.method ?? 'GET',
      expires: o.expires ?? 600,
      ...(o.key !== undefined ? { key: o.key } : {}),
      ...(o.query !== undefined ? { query: o.query } : {}),
      ...(o.date !== undefined ? { date: o.date } : {}),
    }).url;
  const plain = (key = '') => `${server.url}/${BUCKET}/${key}`;
  const putCors = (doc: Buffer) => request(url({ method: 'PUT', query: { cors: null } }), 'PUT', {}, doc);

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pail-cors-'));
    server = await startServer({ dataDir, host: '127.0.0.1', port: 0, logLevel: 'warn' });
    assert.equal((await request(url({ method: 'PUT' }), 'PUT')).status, 200);
    assert.equal((await request(url({ method: 'PUT', key: 'a.txt' }), 'PUT', {}, Buffer.from('hello'))).status, 200);
  });
  after(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('GetBucketCors without a configuration: 404 NoSuchCORSConfiguration; preflight: 403 AccessForbidden', async () => {
    const g = await request(url({ query: { cors: null } }), 'GET');
    assert.equal(g.status, 404);
    assert.equal(xmlCode(g.body), 'NoSuchCORSConfiguration');
    const p = await request(plain('a.txt'), 'OPTIONS', { origin: ORIGIN, 'access-control-request-method': 'GET' });
    assert.equal(p.status, 403);
    assert.equal(xmlCode(p.body), 'AccessForbidden');
    assert.match(p.body, /CORS is not enabled for this bucket/);
    assert.equal(p.headers['access-control-allow-origin'], undefined);
  });

  it('PutBucketCors needs authentication; a malformed document is refused', async () => {
    const anon = await request(`${server.url}/${BUCKET}/?cors`, 'PUT', {}, cors(['<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>']));
    assert.equal(anon.status, 403);
    const bad = await putCors(Buffer.from('<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>'));
    assert.equal(bad.status, 400);
    assert.equal(xmlCode(bad.body), 'InvalidArgument');
  });

  it('PutBucketCors → GetBucketCors returns the rules', async () => {
    const put = await putCors(
      cors(
        [
          `<AllowedOrigin>${ORIGIN}</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>` +
            '<AllowedHeader>range</AllowedHeader><AllowedHeader>x-app-*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>30</MaxAgeSeconds>',
          '<AllowedOrigin>https://*.other.example</AllowedOrigin><AllowedMethod>PUT</AllowedMethod>',
        ],
        false,
      ),
    );
    assert.equal(put.status, 200, put.body);
    const g = await request(url({ query: { cors: null } }), 'GET');
    assert.equal(g.status, 200);
    const c = parseCorsConfiguration(g.body);
    assert.equal(c.rules.length, 2);
    assert.deepEqual(c.rules[0]!.allowedHeaders, ['range', 'x-app-*']);
    assert.equal(c.rules[0]!.maxAgeSeconds, 30);
  });

  it('preflight without authentication: a match gets 200 and the CORS headers', async () => {
    const p = await request(plain('a.txt'), 'OPTIONS', {
      origin: ORIGIN,
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'Range, X-App-Trace',
    });
    assert.equal(p.status, 200, p.body);
    assert.equal(p.headers['access-control-allow-origin'], ORIGIN);
    assert.equal(p.headers['access-control-allow-methods'], 'GET, HEAD');
    assert.equal(p.headers['access-control-allow-headers'], 'range, x-app-trace');
    assert.equal(p.headers['access-control-expose-headers'], 'ETag');
    assert.equal(p.headers['access-control-max-age'], '30');
    assert.match(String(p.headers['x-oss-request-id']), /^[0-9A-F]{24}$/);
    // Bucket level too (ListObjects from a page), and wildcard origins.
    const b = await request(plain(), 'OPTIONS', { origin: 'https://x.other.example', 'access-control-request-method': 'PUT' });
    assert.equal(b.status, 200, b.body);
    assert.equal(b.headers['access-control-allow-origin'], 'https://x.other.example');
  });

  for (const [what, headers] of [
    ['an origin outside the rules', { origin: 'https://evil.example', 'access-control-request-method': 'GET' }],
    ['a method outside the rules', { origin: ORIGIN, 'access-control-request-method': 'DELETE' }],
    ['a header outside the rules', { origin: ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-other' }],
    ['no Access-Control-Request-Method', { origin: ORIGIN }],
    ['no Origin', { 'access-control-request-method': 'GET' }],
  ] as const) {
    it(`preflight with ${what}: 403 AccessForbidden, no CORS headers`, async () => {
      const p = await request(plain('a.txt'), 'OPTIONS', headers);
      assert.equal(p.status, 403, p.body);
      assert.equal(xmlCode(p.body), 'AccessForbidden');
      assert.equal(p.headers['access-control-allow-origin'], undefined);
    });
  }

  it('preflight on a missing bucket: 404 NoSuchBucket', async () => {
    const p = await request(`${server.url}/no-such-bucket-here/a`, 'OPTIONS', { origin: ORIGIN, 'access-control-request-method': 'GET' });
    assert.equal(p.status, 404);
    assert.equal(xmlCode(p.body), 'NoSuchBucket');
  });

  it('actual requests: CORS headers for a matching origin, none otherwise', async () => {
    const ok = await request(url({ key: 'a.txt' }), 'GET', { origin: ORIGIN });
    assert.equal(ok.status, 200);
    assert.equal(ok.body, 'hello');
    assert.equal(ok.headers['access-control-allow-origin'], ORIGIN);
    assert.equal(ok.headers['access-control-allow-methods'], 'GET, HEAD');
    assert.equal(ok.headers['access-control-expose-headers'], 'ETag');
    assert.equal(ok.headers['access-control-allow-headers'], undefined);
    assert.equal(ok.headers.vary, 'Origin', 'an echoed origin needs Vary: Origin');
    const other = await request(url({ key: 'a.txt' }), 'GET', { origin: 'https://evil.example' });
    assert.equal(other.status, 200);
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    const method = await request(url({ key: 'a.txt', method: 'PUT' }), 'PUT', { origin: ORIGIN }, Buffer.from('x'));
    assert.equal(method.headers['access-control-allow-origin'], undefined, 'PUT is not allowed for this origin');
    const none = await request(url({ key: 'a.txt' }), 'GET');
    assert.equal(none.headers['access-control-allow-origin'], undefined);
    assert.equal(none.headers.vary, undefined);
  });

  it("Pail's choice: error responses carry the CORS headers too (expired, tampered, missing key)", async () => {
    const expired = await request(url({ key: 'a.txt', expires: 60, date: Date.now() - 3_600_000 }), 'GET', { origin: ORIGIN });
    assert.equal(expired.status, 403);
    assert.equal(xmlCode(expired.body), 'AccessDenied');
    assert.equal(expired.headers['access-control-allow-origin'], ORIGIN);
    const good = url({ key: 'a.txt' });
    const i = good.indexOf('x-oss-signature=') + 20;
    const tampered = await request(good.slice(0, i) + (good[i] === '0' ? '1' : '0') + good.slice(i + 1), 'GET', { origin: ORIGIN });
    assert.equal(tampered.status, 403);
    assert.equal(xmlCode(tampered.body), 'SignatureDoesNotMatch');
    assert.equal(tampered.headers['access-control-allow-origin'], ORIGIN);
    const missing = await request(url({ key: 'missing.txt' }), 'GET', { origin: ORIGIN });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['access-control-allow-origin'], ORIGIN);
  });

  it('ResponseVary true: Vary: Origin on every response of the bucket; a bare * origin gets *', async () => {
    assert.equal((await putCors(cors(['<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>'], true))).status, 200);
    const star = await request(url({ key: 'a.txt' }), 'GET', { origin: ORIGIN });
    assert.equal(star.headers['access-control-allow-origin'], '*');
    assert.equal(star.headers.vary, 'Origin');
    const noOrigin = await request(url({ key: 'a.txt' }), 'GET');
    assert.equal(noOrigin.headers.vary, 'Origin');
    assert.equal(noOrigin.headers['access-control-allow-origin'], undefined);
    const miss = await request(url({ key: 'missing.txt' }), 'GET');
    assert.equal(miss.headers.vary, 'Origin');
  });

  it('DeleteBucketCors: 204, then no configuration', async () => {
    const d = await request(url({ method: 'DELETE', query: { cors: null } }), 'DELETE');
    assert.equal(d.status, 204);
    const g = await request(url({ query: { cors: null } }), 'GET');
    assert.equal(g.status, 404);
    const ok = await request(url({ key: 'a.txt' }), 'GET', { origin: ORIGIN });
    assert.equal(ok.headers['access-control-allow-origin'], undefined);
    assert.equal(ok.headers.vary, undefined);
  });
});
