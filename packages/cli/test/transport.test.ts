/**
 * The wire layer against a real socket: what a signed request looks like on arrival, how OSS
 * error answers become one-line errors (XML body, x-oss-err for HEAD, bare status), retries.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Connection } from '../src/config.js';
import { OssError } from '../src/errors.js';
import { createTransport, readBody } from '../src/http.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Reply = (req: Seen, res: http.ServerResponse) => void;

let server: http.Server;
let port = 0;
const seen: Seen[] = [];
let replies: Reply[] = [];

before(async () => {
  server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
    seen.push(s);
    const reply = replies.shift();
    if (reply) reply(s, res);
    else {
      res.writeHead(200);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise<void>((r) => server.close(() => r())));

const creds = { accessKeyId: 'LTAIexampleAK', accessKeySecret: 'exampleSK' };
const conn = (): Connection => ({ endpoint: { protocol: 'http', hostname: '127.0.0.1', port }, region: 'cn-hangzhou', addressing: 'path' });

const ERROR_XML =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>NoSuchKey</Code>\n  <Message>The specified key does not exist.</Message>\n' +
  '  <RequestId>5C3D9175B6FC201293AD1234</RequestId>\n  <HostId>127.0.0.1</HostId>\n  <Key>k</Key>\n  <EC>0026-00000001</EC>\n</Error>';

describe('transport', () => {
  it('sends a V4 header-signed, path-style request with strictly encoded key and query', async () => {
    seen.length = 0;
    const t = createTransport(conn(), creds);
    try {
      const res = await t.send({
        method: 'PUT',
        bucket: 'examplebucket',
        key: "dir/a b+(1)!.txt",
        query: [
          ['partNumber', '2'],
          ['uploadId', 'u/1'],
        ],
        headers: { 'content-type': 'text/plain' },
        body: 'hello',
      });
      res.resume();
    } finally {
      t.close();
    }
    const s = seen[0]!;
    assert.equal(s.method, 'PUT');
    assert.equal(s.url, '/examplebucket/dir/a%20b%2B%281%29%21.txt?partNumber=2&uploadId=u%2F1');
    assert.equal(s.headers.host, `127.0.0.1:${port}`);
    assert.equal(s.headers['content-length'], '5');
    assert.equal(s.headers['x-oss-content-sha256'], 'UNSIGNED-PAYLOAD');
    assert.match(String(s.headers['x-oss-date']), /^\d{8}T\d{6}Z$/);
    assert.match(
      String(s.headers.authorization),
      /^OSS4-HMAC-SHA256 Credential=LTAIexampleAK\/\d{8}\/cn-hangzhou\/oss\/aliyun_v4_request,Signature=[0-9a-f]{64}$/,
    );
    assert.equal(s.body, 'hello');
  });

  it('sends the STS token; cname addressing leaves the bucket out of the path', async () => {
    seen.length = 0;
    const t = createTransport({ ...conn(), addressing: 'cname' }, { ...creds, securityToken: 'tok' });
    try {
      (await t.send({ method: 'GET', bucket: 'examplebucket', query: [['list-type', '2']] })).resume();
      (await t.send({ method: 'GET' })).resume();
    } finally {
      t.close();
    }
    assert.equal(seen[0]!.url, '/?list-type=2');
    assert.equal(seen[0]!.headers.host, `127.0.0.1:${port}`);
    assert.equal(seen[0]!.headers['x-oss-security-token'], 'tok');
    assert.equal(seen[1]!.url, '/');
    assert.equal(seen[1]!.headers.host, `127.0.0.1:${port}`);
  });

  it('turns an error XML body into an OssError with Code, Message, RequestId and EC', async () => {
    replies = [
      (_s, res) => {
        res.writeHead(404, { 'content-type': 'application/xml', 'x-oss-request-id': 'HEADERID' });
        res.end(ERROR_XML);
      },
    ];
    const t = createTransport(conn(), creds);
    try {
      await assert.rejects(t.send({ method: 'GET', bucket: 'examplebucket', key: 'k' }), (e: unknown) => {
        assert.ok(e instanceof OssError);
        assert.equal(e.status, 404);
        assert.equal(e.code, 'NoSuchKey');
        assert.equal(e.message, 'The specified key does not exist.');
        assert.equal(e.requestId, '5C3D9175B6FC201293AD1234');
        assert.equal(e.ec, '0026-00000001');
        return true;
      });
    } finally {
      t.close();
    }
  });

  it('decodes x-oss-err on body-less HEAD errors, else falls back to the status', async () => {
    replies = [
      (_s, res) => {
        res.writeHead(403, { 'x-oss-request-id': 'R1', 'x-oss-err': Buffer.from(ERROR_XML.replace('NoSuchKey', 'AccessDenied')).toString('base64') });
        res.end();
      },
      (_s, res) => {
        res.writeHead(404, { 'x-oss-request-id': 'R2', 'x-oss-ec': '0026-00000001' });
        res.end();
      },
    ];
    const t = createTransport(conn(), creds);
    try {
      await assert.rejects(t.send({ method: 'HEAD', bucket: 'examplebucket', key: 'k' }), { code: 'AccessDenied', requestId: '5C3D9175B6FC201293AD1234' });
      await assert.rejects(t.send({ method: 'HEAD', bucket: 'examplebucket', key: 'k' }), {
        code: 'NoSuchKey',
        requestId: 'R2',
        ec: '0026-00000001',
        status: 404,
      });
    } finally {
      t.close();
    }
  });

  it('retries 503 and replays a streamed body from its factory', async () => {
    seen.length = 0;
    replies = [
      (_s, res) => {
        res.writeHead(503);
        res.end();
      },
      (_s, res) => {
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end('<ok/>');
      },
    ];
    const t = createTransport(conn(), creds);
    let made = 0;
    try {
      const { Readable } = await import('node:stream');
      const res = await t.send({
        method: 'PUT',
        bucket: 'examplebucket',
        key: 'k',
        contentLength: 3,
        body: () => {
          made++;
          return Readable.from([Buffer.from('abc')]);
        },
      });
      assert.equal(await readBody(res), '<ok/>');
    } finally {
      t.close();
    }
    assert.equal(made, 2);
    assert.deepEqual(
      seen.map((s) => s.body),
      ['abc', 'abc'],
    );
  });

  it('reports a non-XML error body by status and text', async () => {
    replies = [
      (_s, res) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('bad gateway from proxy');
      },
      (_s, res) => {
        res.writeHead(502);
        res.end('bad gateway from proxy');
      },
      (_s, res) => {
        res.writeHead(502);
        res.end('bad gateway from proxy');
      },
    ];
    const t = createTransport(conn(), creds);
    try {
      await assert.rejects(t.send({ method: 'GET' }), { code: 'HTTP502', message: 'bad gateway from proxy' });
    } finally {
      t.close();
    }
  });
});
