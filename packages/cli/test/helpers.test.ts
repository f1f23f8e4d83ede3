import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommandSpec } from '../src/args.js';
import { parseArgs } from '../src/args.js';
import { CONNECTION_OPTIONS, isLocalHost, parseEndpoint, readCredentials, regionFromHost, resolveConnection } from '../src/config.js';
import { OssError, UsageError, describeError, exitCodeFor } from '../src/errors.js';
import { humanDuration, humanSize, parseSize, shellQuote } from '../src/format.js';
import { contentTypeFor } from '../src/mime.js';
import { parseObjectUrl, parseOssUrl } from '../src/oss-url.js';
import { childText, children, escapeXml, parseXml } from '../src/xml.js';
import { parseContentRange, parseHttpUrl } from '../src/commands/get.js';
import { parseDate, parseHeaders } from '../src/commands/presign.js';

describe('oss:// URLs', () => {
  it('splits bucket and key, keeping the key literally', () => {
    assert.deepEqual(parseOssUrl('oss://examplebucket/dir/a b%20+.txt'), { bucket: 'examplebucket', key: 'dir/a b%20+.txt' });
    assert.deepEqual(parseOssUrl('oss://bkt'), { bucket: 'bkt', key: '' });
    assert.deepEqual(parseOssUrl('OSS://bkt/'), { bucket: 'bkt', key: '' });
    assert.deepEqual(parseOssUrl('oss://bkt/a/../b'), { bucket: 'bkt', key: 'a/../b' });
  });

  it('rejects what is not an oss:// URL or has a bad bucket name', () => {
    for (const s of ['s3://b/k', '/tmp/x', 'oss://', 'oss:///k', 'oss://B/k', 'oss://ab/k', 'oss://-bad-/k', 'oss://a_b/k']) {
      assert.throws(() => parseOssUrl(s), UsageError, s);
    }
    assert.throws(() => parseObjectUrl('oss://bkt/'), /names a bucket, not an object/);
    assert.throws(() => parseOssUrl(`oss://bkt/${'x'.repeat(1024)}`), /longer than 1023 bytes/);
  });
});

describe('formatting', () => {
  it('humanSize uses binary units', () => {
    assert.equal(humanSize(0), '0 B');
    assert.equal(humanSize(1023), '1023 B');
    assert.equal(humanSize(1536), '1.5 KiB');
    assert.equal(humanSize(40 * 1024 * 1024), '40.0 MiB');
    assert.equal(humanSize(150 * 1024 ** 3), '150 GiB');
  });

  it('parseSize accepts K/M/G with optional iB/B and plain bytes', () => {
    assert.equal(parseSize('8M', 'x'), 8 * 1024 * 1024);
    assert.equal(parseSize('8MiB', 'x'), 8 * 1024 * 1024);
    assert.equal(parseSize('512k', 'x'), 512 * 1024);
    assert.equal(parseSize('1.5G', 'x'), 1.5 * 1024 ** 3);
    assert.equal(parseSize('1048576', 'x'), 1048576);
    for (const s of ['', 'M', '-1', '0', '8X', '1e6']) assert.throws(() => parseSize(s, 'x'), UsageError, s);
  });

  it('humanDuration and shellQuote', () => {
    assert.equal(humanDuration(65), '1:05');
    assert.equal(humanDuration(3723), '1:02:03');
    assert.equal(humanDuration(Number.POSITIVE_INFINITY), '--:--');
    assert.equal(shellQuote('plain/path.txt'), 'plain/path.txt');
    assert.equal(shellQuote('http://h/k?a=1&b=2'), `'http://h/k?a=1&b=2'`);
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
  });

  it('contentTypeFor guesses from the extension', () => {
    assert.equal(contentTypeFor('a/b.TXT'), 'text/plain');
    assert.equal(contentTypeFor('x.tar.gz'), 'application/gzip');
    assert.equal(contentTypeFor('dir.d/noext'), 'application/octet-stream');
  });
});

describe('xml', () => {
  it('parses OSS documents with entities, CDATA and self-closing elements', () => {
    const root = parseXml(
      '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="x"><Name>b</Name><Prefix/>' +
        '<Contents><Key>a &amp; b &lt;c&gt; &#20013;&#x6587;</Key><Size>3</Size></Contents>' +
        '<Contents><Key><![CDATA[raw <key>]]></Key></Contents><!-- note --></ListBucketResult>',
    );
    assert.equal(root.name, 'ListBucketResult');
    assert.equal(childText(root, 'Name'), 'b');
    assert.equal(childText(root, 'Prefix'), '');
    const keys = children(root, 'Contents').map((c) => childText(c, 'Key'));
    assert.deepEqual(keys, ['a & b <c> 中文', 'raw <key>']);
  });

  it('rejects malformed documents and escapes text', () => {
    assert.throws(() => parseXml('<a><b></a>'), /malformed XML/);
    assert.throws(() => parseXml('<a>'), /not closed/);
    assert.equal(escapeXml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });
});

describe('connection settings', () => {
  const spec: CommandSpec = { name: 't', summary: '', usage: ['t'], options: CONNECTION_OPTIONS, minPositionals: 0, maxPositionals: 0 };
  const conn = (argv: string[], env: Record<string, string> = {}) => resolveConnection(parseArgs(spec, argv), env);

  it('parses endpoints with and without a scheme', () => {
    assert.deepEqual(parseEndpoint('http://127.0.0.1:9000', true), { protocol: 'http', hostname: '127.0.0.1', port: 9000 });
    assert.deepEqual(parseEndpoint('oss-cn-beijing.aliyuncs.com', true), { protocol: 'https', hostname: 'oss-cn-beijing.aliyuncs.com' });
    assert.deepEqual(parseEndpoint('localhost:9000/', false), { protocol: 'http', hostname: 'localhost', port: 9000 });
    assert.deepEqual(parseEndpoint('http://[::1]:9000', true), { protocol: 'http', hostname: '[::1]', port: 9000 });
    for (const s of ['ftp://h', 'http://h/path', 'http://h:99999', '']) assert.throws(() => parseEndpoint(s, true), UsageError, s);
  });

  it('uses path style for localhost and IPs, virtual hosting otherwise', () => {
    assert.equal(conn(['--endpoint', 'http://127.0.0.1:9000']).addressing, 'path');
    assert.equal(conn(['--endpoint', 'http://localhost:9000']).addressing, 'path');
    assert.equal(conn(['--endpoint', 'oss-cn-beijing.aliyuncs.com']).addressing, 'virtual');
    assert.equal(conn(['--endpoint', 'files.example.com', '--cname']).addressing, 'cname');
    assert.equal(conn(['--endpoint', 'files.example.com', '--path-style']).addressing, 'path');
    assert.ok(isLocalHost('[::1]'));
    assert.ok(!isLocalHost('example.com'));
  });

  it('derives the region from flags, env, the OSS host name, or defaults to cn-hangzhou', () => {
    assert.equal(conn(['--endpoint', 'oss-cn-beijing.aliyuncs.com']).region, 'cn-beijing');
    assert.equal(conn(['--endpoint', 'http://127.0.0.1:9000']).region, 'cn-hangzhou');
    assert.equal(conn(['--endpoint', 'http://127.0.0.1:9000', '--region', 'oss-us-east-1']).region, 'us-east-1');
    assert.equal(conn([], { OSS_ENDPOINT: 'http://127.0.0.1:1', OSS_REGION: 'eu-central-1' }).region, 'eu-central-1');
    assert.equal(regionFromHost('bkt.oss-cn-hangzhou-internal.aliyuncs.com'), 'cn-hangzhou');
    assert.equal(regionFromHost('oss-accelerate.aliyuncs.com'), undefined);
  });

  it('builds the public endpoint from a region and otherwise requires one', () => {
    const c = conn(['--region', 'cn-shanghai']);
    assert.deepEqual(c.endpoint, { protocol: 'https', hostname: 'oss-cn-shanghai.aliyuncs.com' });
    assert.throws(() => conn([]), /no endpoint/);
    assert.throws(() => conn(['--endpoint', 'h', '--path-style', '--cname']), UsageError);
  });

  it('reads and trims credentials from the environment', () => {
    assert.deepEqual(readCredentials({ OSS_ACCESS_KEY_ID: ' ak ', OSS_ACCESS_KEY_SECRET: 'sk\n' }), { accessKeyId: 'ak', accessKeySecret: 'sk' });
    assert.deepEqual(readCredentials({ OSS_ACCESS_KEY_ID: 'ak', OSS_ACCESS_KEY_SECRET: 'sk', OSS_SESSION_TOKEN: 't' }, 'flag'), {
      accessKeyId: 'ak',
      accessKeySecret: 'sk',
      securityToken: 'flag',
    });
    assert.throws(() => readCredentials({ OSS_ACCESS_KEY_ID: 'ak' }), /set OSS_ACCESS_KEY_SECRET/);
  });
});

describe('errors', () => {
  it('OSS errors are one line with code, message, status and request id; exit 1', () => {
    const e = new OssError(404, 'NoSuchKey', 'The specified key does not exist.', '5C3D9175B6FC201293AD1234', '0026-00000001');
    assert.equal(describeError(e), 'NoSuchKey: The specified key does not exist. (HTTP 404, RequestId 5C3D9175B6FC201293AD1234, EC 0026-00000001)');
    assert.equal(exitCodeFor(e), 1);
    assert.equal(exitCodeFor(new UsageError('x')), 2);
    assert.equal(describeError(new Error('two\nlines')), 'two lines');
  });
});

describe('get and presign helpers', () => {
  it('parseHttpUrl keeps the path as given', () => {
    const u = parseHttpUrl('http://127.0.0.1:9000/b/a/../k?x-oss-signature=ab#frag');
    assert.deepEqual(u, { protocol: 'http', hostname: '127.0.0.1', port: 9000, host: '127.0.0.1:9000', path: '/b/a/../k?x-oss-signature=ab' });
    assert.equal(parseHttpUrl('https://b.example.com?x=1').path, '/?x=1');
    assert.throws(() => parseHttpUrl('oss://b/k'), UsageError);
  });

  it('parseContentRange', () => {
    assert.deepEqual(parseContentRange('bytes 100-199/1000'), { start: 100, end: 199, total: 1000 });
    assert.deepEqual(parseContentRange('bytes 0-0/*'), { start: 0, end: 0, total: undefined });
    assert.equal(parseContentRange('bytes */1000'), undefined);
  });

  it('parseDate accepts extended and basic ISO 8601 only', () => {
    assert.equal(parseDate('2023-12-16T16:20:57Z'), 1702743657000);
    assert.equal(parseDate('20231216T162057Z'), 1702743657000);
    assert.throws(() => parseDate('yesterday'), UsageError);
    assert.throws(() => parseDate('1702743657'), UsageError);
  });

  it('parseHeaders splits at the first colon and refuses duplicates', () => {
    assert.deepEqual(parseHeaders(['Content-Type: text/plain', 'x-oss-meta-a:b:c']), { 'Content-Type': 'text/plain', 'x-oss-meta-a': 'b:c' });
    assert.throws(() => parseHeaders(['no colon']), UsageError);
    assert.throws(() => parseHeaders(['a: 1', 'A: 2']), /given twice/);
  });
});
