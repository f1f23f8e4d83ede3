/**
 * `pail presign` as users run it: a child process, URL on stdout, curl on stderr, exit codes.
 * The expected URLs come from @pail/sign called directly with the same inputs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { presignUrlSync, presignUrlV1Sync } from '@pail/sign';

const BIN = fileURLToPath(new URL('../../bin/pail.js', import.meta.url));
const CREDS = { OSS_ACCESS_KEY_ID: 'LTAIexampleAK', OSS_ACCESS_KEY_SECRET: 'exampleSK' };
const DATE = '2024-05-01T12:00:00Z';
const DATE_MS = Date.parse(DATE);

function pail(args: string[], env: Record<string, string> = CREDS) {
  // A clean environment: no OSS_* leaking in from the developer's shell.
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const credentials = { accessKeyId: CREDS.OSS_ACCESS_KEY_ID, accessKeySecret: CREDS.OSS_ACCESS_KEY_SECRET };

describe('pail presign', () => {
  it('prints exactly the V4 URL @pail/sign computes, alone on stdout, nothing on stderr', () => {
    const r = pail(['presign', 'oss://examplebucket/exampleobject.txt', '--expires', '3600', '--date', DATE]);
    const expected = presignUrlSync({
      bucket: 'examplebucket',
      key: 'exampleobject.txt',
      expires: 3600,
      region: 'cn-hangzhou',
      endpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
      credentials,
      date: DATE_MS,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${expected.url}\n`);
    assert.match(r.stdout, /^https:\/\/examplebucket\.oss-cn-hangzhou\.aliyuncs\.com\/exampleobject\.txt\?/);
    assert.equal(r.stderr, '');
  });

  it('defaults to 3600 seconds and honours endpoint, path style, region and the STS token from the environment', () => {
    const r = pail(
      ['presign', 'oss://examplebucket/dir/a b+c.txt', '--endpoint', 'http://127.0.0.1:9000', '--path-style', '--region', 'cn-beijing', '--date', DATE],
      { ...CREDS, OSS_SESSION_TOKEN: 'sts-token-value' },
    );
    const expected = presignUrlSync({
      bucket: 'examplebucket',
      key: 'dir/a b+c.txt',
      expires: 3600,
      region: 'cn-beijing',
      endpoint: 'http://127.0.0.1:9000',
      pathStyle: true,
      credentials: { ...credentials, securityToken: 'sts-token-value' },
      date: DATE_MS,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${expected.url}\n`);
    assert.match(r.stdout, /^http:\/\/127\.0\.0\.1:9000\/examplebucket\/dir\/a%20b%2Bc\.txt\?/);
    assert.match(r.stdout, /x-oss-expires=3600/);
    assert.match(r.stdout, /x-oss-security-token=sts-token-value/);
  });

  it('signs method, headers, additional headers and query options, and prints a curl command on stderr', () => {
    const r = pail([
      'presign',
      'oss://examplebucket/up.txt',
      '--method',
      'put',
      '--header',
      'Content-Type: text/plain',
      '-H',
      'x-oss-meta-owner: alice',
      '--additional-header',
      'host',
      '--version-id',
      'v1',
      '--process',
      'image/resize,w_100',
      '--response-content-disposition',
      'attachment; filename=a.txt',
      '--endpoint',
      'https://oss-cn-hangzhou.aliyuncs.com',
      '--expires',
      '600',
      '--date',
      DATE,
    ]);
    const expected = presignUrlSync({
      method: 'PUT',
      bucket: 'examplebucket',
      key: 'up.txt',
      expires: 600,
      region: 'cn-hangzhou',
      endpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
      credentials,
      headers: { 'Content-Type': 'text/plain', 'x-oss-meta-owner': 'alice' },
      additionalHeaders: ['host'],
      versionId: 'v1',
      process: 'image/resize,w_100',
      response: { contentDisposition: 'attachment; filename=a.txt' },
      date: DATE_MS,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${expected.url}\n`);
    assert.match(r.stdout, /x-oss-additional-headers=host/);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.equal(lines[0], `curl -T up.txt -H 'Content-Type: text/plain' -H 'x-oss-meta-owner: alice' '${expected.url}'`);
  });

  it('prints a curl command for a GET that needs headers', () => {
    const r = pail(['presign', 'oss://examplebucket/k', '-H', 'x-oss-traffic-limit: 819200', '--date', DATE]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^curl -H 'x-oss-traffic-limit: 819200' 'https:\/\/examplebucket\.oss-cn-hangzhou\.aliyuncs\.com\/k\?[^']+'\n$/);
  });

  it('--v1 prints the V1 URL @pail/sign computes', () => {
    const r = pail(['presign', 'oss://examplebucket/exampleobject.txt', '--v1', '--expires', '1800', '--date', DATE, '--endpoint', 'oss-cn-hangzhou.aliyuncs.com']);
    const expected = presignUrlV1Sync({
      bucket: 'examplebucket',
      key: 'exampleobject.txt',
      expires: 1800,
      endpoint: 'oss-cn-hangzhou.aliyuncs.com',
      region: 'cn-hangzhou',
      credentials,
      date: DATE_MS,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${expected.url}\n`);
    assert.match(r.stdout, /OSSAccessKeyId=LTAIexampleAK&Expires=\d+&Signature=/);
    // V1 URLs have no 7-day cap.
    assert.equal(pail(['presign', 'oss://examplebucket/k', '--v1', '--expires', '700000']).code, 0);
  });

  const failures: [string, string[], Record<string, string>, RegExp][] = [
    ['missing credentials', ['presign', 'oss://examplebucket/k'], {}, /missing credentials: set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET/],
    ['missing secret', ['presign', 'oss://examplebucket/k'], { OSS_ACCESS_KEY_ID: 'ak' }, /set OSS_ACCESS_KEY_SECRET/],
    ['expires over 7 days', ['presign', 'oss://examplebucket/k', '--expires', '604801'], CREDS, /more than 7 days/],
    ['expires zero', ['presign', 'oss://examplebucket/k', '--expires', '0'], CREDS, /at least 1 second/],
    ['expires not a number', ['presign', 'oss://examplebucket/k', '--expires', '1h'], CREDS, /whole number of seconds/],
    ['not an oss URL', ['presign', 'https://examplebucket/k'], CREDS, /not an oss:\/\/ URL/],
    ['bad bucket name', ['presign', 'oss://Example_Bucket/k'], CREDS, /invalid bucket name/],
    ['no key', ['presign', 'oss://examplebucket'], CREDS, /names a bucket, not an object/],
    ['bad date', ['presign', 'oss://examplebucket/k', '--date', 'tomorrow'], CREDS, /not an ISO 8601 time/],
    ['bad header', ['presign', 'oss://examplebucket/k', '--header', 'nocolon'], CREDS, /is not NAME:VALUE/],
    ['additional header without value', ['presign', 'oss://examplebucket/k', '--additional-header', 'range'], CREDS, /needs its value/],
    ['unknown option', ['presign', 'oss://examplebucket/k', '--expire', '5'], CREDS, /unknown option --expire/],
    ['missing argument', ['presign'], CREDS, /missing argument/],
    ['unknown command', ['presing', 'oss://examplebucket/k'], CREDS, /unknown command 'presing'/],
  ];
  for (const [name, args, env, re] of failures) {
    it(`exits 2 with one line on stderr: ${name}`, () => {
      const r = pail(args, env);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^pail[^\n]*\n$/, 'exactly one line starting with pail');
      assert.match(r.stderr, re);
    });
  }
});

describe('pail help and version', () => {
  it('--help lists the commands; <cmd> --help shows the options; --version prints the version', () => {
    const h = pail(['--help']);
    assert.equal(h.code, 0);
    for (const c of ['presign', 'serve', 'ls', 'mb', 'rb', 'cp', 'rm', 'stat', 'cat', 'get']) assert.match(h.stdout, new RegExp(`\\n  ${c} `));
    const p = pail(['presign', '--help']);
    assert.equal(p.code, 0);
    assert.match(p.stdout, /--expires SECONDS/);
    assert.match(p.stdout, /--additional-header NAME/);
    assert.deepEqual(pail(['help', 'cp']).stdout, pail(['cp', '--help']).stdout);
    const v = pail(['--version']);
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^pail \d+\.\d+\.\d+\n$/);
    const none = pail([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Usage: pail <command>/);
  });

  it('daily verbs insist on an endpoint and credentials (exit 2, one line)', () => {
    const noEndpoint = pail(['ls']);
    assert.equal(noEndpoint.code, 2);
    assert.match(noEndpoint.stderr, /^pail ls: no endpoint: pass --endpoint URL[^\n]*\n$/);
    const noCreds = pail(['ls', '--endpoint', 'http://127.0.0.1:1'], {});
    assert.equal(noCreds.code, 2);
    assert.match(noCreds.stderr, /^pail ls: missing credentials[^\n]*\n$/);
  });

  it('network failures exit 1 with one line', () => {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    const r = pail(['ls', '--endpoint', 'http://127.0.0.1:1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^pail ls: cannot connect: [^\n]*\n$/);
  });
});
