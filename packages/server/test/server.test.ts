/**
 * What needs a real socket: startServer / resolveServerConfig, the root key file, probes,
 * keep-alive settings, the http adapter (raw targets, Expect: 100-continue, disconnects,
 * malformed HTTP), ensureExample, graceful shutdown.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signRequestSync } from '@pail/sign';
import { ROOT_CREDENTIALS_FILE } from '../src/auth/root-credentials.js';
import { StaticAccessKeyStore } from '../src/auth/keys.js';
import { resolveServerConfig } from '../src/config.js';
import { createCore } from '../src/core.js';
import { createLogger } from '../src/log.js';
import { openStorage } from '../src/storage/storage.js';
import { HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, type RunningServer, ensureExample, startServer } from '../src/server.js';

const quiet = createLogger({ level: 'silent' });

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const agent = new http.Agent({ keepAlive: false });

function request(port: number, init: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer }): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: init.method ?? 'GET', path: init.path, headers: init.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

function signed(server: RunningServer, method: string, bucket?: string, key?: string, headers: Record<string, string> = {}, query?: Record<string, string | null>) {
  const s = signRequestSync(
    { method, ...(bucket ? { bucket } : {}), ...(key ? { key } : {}), headers, ...(query ? { query } : {}) },
    server.rootCredentials,
    { endpoint: server.url, pathStyle: true, region: server.config.region },
  );
  return { method, path: s.target!.path, headers: { ...s.headers } };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('resolveServerConfig', () => {
  const cwd = '/srv/app';
  it('defaults', () => {
    const c = resolveServerConfig([], {}, cwd);
    assert.deepEqual(
      { host: c.host, port: c.port, dataDir: c.dataDir, region: c.region, domains: c.domains, logLevel: c.logLevel },
      { host: '127.0.0.1', port: 9000, dataDir: '/srv/app/.pail', region: 'cn-hangzhou', domains: ['localhost'], logLevel: 'info' },
    );
    assert.equal(c.rootAccessKeyId, undefined);
  });

  it('environment, then flags (both forms) win', () => {
    const env = {
      PAIL_HOST: '0.0.0.0',
      PAIL_PORT: '9100',
      PAIL_DATA_DIR: 'data',
      PAIL_REGION: 'oss-cn-beijing',
      PAIL_DOMAIN: 'oss.example.com, localhost',
      PAIL_LOG_LEVEL: 'DEBUG',
      PAIL_ROOT_ACCESS_KEY_ID: 'LTAIenvKey',
      PAIL_ROOT_ACCESS_KEY_SECRET: 'envSecret',
    };
    const fromEnv = resolveServerConfig([], env, cwd);
    assert.equal(fromEnv.host, '0.0.0.0');
    assert.equal(fromEnv.port, 9100);
    assert.equal(fromEnv.dataDir, '/srv/app/data');
    assert.equal(fromEnv.region, 'cn-beijing');
    assert.deepEqual(fromEnv.domains, ['oss.example.com', 'localhost']);
    assert.equal(fromEnv.logLevel, 'debug');
    assert.equal(fromEnv.rootAccessKeyId, 'LTAIenvKey');
    assert.equal(fromEnv.rootAccessKeySecret, 'envSecret');
    const flags = resolveServerConfig(
      ['--host', '::1', '--port=0', '--data-dir', '/var/pail', '--region', 'ap-southeast-1', '--domain', 'a.test', '--domain=b.example.test', '--log-level', 'warn', '--example'],
      env,
      cwd,
    );
    assert.equal(flags.host, '::1');
    assert.equal(flags.port, 0);
    assert.equal(flags.dataDir, '/var/pail');
    assert.equal(flags.region, 'ap-southeast-1');
    assert.deepEqual(flags.domains, ['b.example.test', 'a.test'], 'longest first');
    assert.equal(flags.logLevel, 'warn');
    assert.equal(flags.example, true);
  });

  it('throws a clear Error on bad flags', () => {
    const bad: [string[], Record<string, string>, RegExp][] = [
      [['--port', '70000'], {}, /port/],
      [['--port', 'abc'], {}, /port/],
      [['--port'], {}, /needs a value/],
      [['--bogus', '1'], {}, /unknown option --bogus/],
      [['serve'], {}, /unexpected argument/],
      [['--region', 'Not A Region'], {}, /region/],
      [['--domain', 'http://x'], {}, /domain/],
      [['--domain', 'host:9000'], {}, /domain/],
      [['--log-level', 'loud'], {}, /log-level/],
      [[], { PAIL_PORT: '-1' }, /PAIL_PORT/],
      [[], { PAIL_ROOT_ACCESS_KEY_ID: 'only-one' }, /set together/],
    ];
    for (const [argv, env, message] of bad) assert.throws(() => resolveServerConfig(argv, env, cwd), message, argv.join(' '));
  });
});

describe('startServer', () => {
  let dataDir: string;
  let server: RunningServer;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pail-server-'));
    server = await startServer({ dataDir, host: '127.0.0.1', port: 0, log: quiet, domains: ['localhost'] });
  });
  after(async () => {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates the root key once, 0600, LTAI + 20 alphanumerics and a 30-character secret', async () => {
    assert.equal(server.createdRootKey, true);
    assert.match(server.rootCredentials.accessKeyId, /^LTAI[A-Za-z0-9]{20}$/);
    assert.match(server.rootCredentials.accessKeySecret, /^[A-Za-z0-9]{30}$/);
    const file = join(dataDir, ROOT_CREDENTIALS_FILE);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const saved = JSON.parse(await readFile(file, 'utf8'));
    assert.equal(saved.accessKeyId, server.rootCredentials.accessKeyId);
    assert.equal(saved.accessKeySecret, server.rootCredentials.accessKeySecret);
    const again = await startServer({ dataDir, port: 0, log: quiet });
    try {
      assert.equal(again.createdRootKey, false);
      assert.deepEqual(again.rootCredentials, server.rootCredentials);
    } finally {
      await again.close();
    }
  });

  it('PAIL_ROOT_ACCESS_KEY_* override the key (and no file is written)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pail-server-env-'));
    const config = resolveServerConfig(['--port', '0', '--data-dir', dir], { PAIL_ROOT_ACCESS_KEY_ID: 'LTAIoverride', PAIL_ROOT_ACCESS_KEY_SECRET: 'override-secret' });
    const s = await startServer({ ...config, log: quiet });
    try {
      assert.deepEqual(s.rootCredentials, { accessKeyId: 'LTAIoverride', accessKeySecret: 'override-secret' });
      assert.equal(s.createdRootKey, false);
      await assert.rejects(stat(join(dir, ROOT_CREDENTIALS_FILE)), { code: 'ENOENT' });
      const list = signed(s, 'GET');
      assert.equal((await request(s.port, list)).status, 200);
    } finally {
      await s.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('listens on an ephemeral port; health and readiness answer; keep-alive outlasts ali-oss (15 s)', async () => {
    assert.ok(server.port > 0);
    assert.equal(server.url, `http://127.0.0.1:${server.port}`);
    const health = await request(server.port, { path: '/-/health' });
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body.toString()), { status: 'ok' });
    assert.match(String(health.headers['x-oss-request-id']), /^[0-9A-F]{24}$/);
    assert.equal(health.headers.server, 'AliyunOSS');
    const ready = await request(server.port, { path: '/-/ready' });
    assert.equal(ready.status, 200);
    assert.ok(KEEP_ALIVE_TIMEOUT_MS > 15_000);
    assert.ok(HEADERS_TIMEOUT_MS > KEEP_ALIVE_TIMEOUT_MS);
    // The probes are not on bucket hosts.
    const onBucket = await request(server.port, { path: '/-/health', headers: { host: `bkt.localhost:${server.port}` } });
    assert.equal(onBucket.status, 403);
  });

  it('keeps raw targets: a/../b, %2E%2E and virtual-hosted Host headers reach the core unchanged', async () => {
    const made = await request(server.port, signed(server, 'PUT', 'raw'));
    assert.equal(made.status, 200, made.body.toString());
    for (const key of ['a/../b', 'c/%2E%2E/d', './e']) {
      const s = signed(server, 'PUT', 'raw', key);
      const put = await request(server.port, { ...s, body: Buffer.from(key) });
      assert.equal(put.status, 200, put.body.toString());
    }
    assert.ok(await server.core.storage!.metadata.getObject('raw', 'a/../b'));
    assert.ok(await server.core.storage!.metadata.getObject('raw', 'c/%2E%2E/d'));
    assert.ok(await server.core.storage!.metadata.getObject('raw', './e'));
    assert.equal(await server.core.storage!.metadata.getObject('raw', 'b'), undefined);
    const v = signed(server, 'GET', 'raw', 'a/../b');
    const got = await request(server.port, { path: '/a/../b', headers: { ...v.headers, host: `raw.localhost:${server.port}` } });
    assert.equal(got.status, 200);
    assert.equal(got.body.toString(), 'a/../b');
  });

  it('Expect: 100-continue: a refused upload never gets to send its body', async () => {
    const res = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = http.request({
        host: '127.0.0.1',
        port: server.port,
        method: 'PUT',
        path: '/raw/anon.bin',
        headers: { expect: '100-continue', 'content-length': '5' },
        agent,
      });
      req.on('continue', () => {
        continued = true;
        req.end('hello');
      });
      req.on('response', (r) => {
        r.resume();
        r.on('end', () => resolve({ status: r.statusCode ?? 0, continued }));
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    assert.deepEqual(res, { status: 403, continued: false });
    const s = signed(server, 'PUT', 'raw', 'continued.bin');
    const ok = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: server.port, method: 'PUT', path: s.path, headers: { ...s.headers, expect: '100-continue', 'content-length': '5' }, agent });
      req.on('continue', () => req.end('hello'));
      req.on('response', (r) => {
        r.resume();
        r.on('end', () => resolve(r.statusCode ?? 0));
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    assert.equal(ok, 200);
  });

  it('a client disconnecting mid-upload leaves nothing stored', async () => {
    const key = 'half.bin';
    const s = signed(server, 'PUT', 'raw', key);
    const socket = connect(server.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const head = [`PUT ${s.path} HTTP/1.1`, `host: 127.0.0.1:${server.port}`, 'content-length: 1000000', ...Object.entries(s.headers).filter(([k]) => k !== 'host').map(([k, v]) => `${k}: ${v}`), '', ''];
    socket.write(head.join('\r\n'));
    socket.write(Buffer.alloc(64 * 1024, 7));
    await until(() => server.core.inFlight === 1, 'the upload to start');
    await new Promise((r) => setTimeout(r, 20));
    socket.destroy();
    await until(() => server.core.inFlight === 0, 'the aborted upload to finish');
    assert.equal(await server.core.storage!.metadata.getObject('raw', key), undefined);
    const get = await request(server.port, signed(server, 'GET', 'raw', key));
    assert.equal(get.status, 404);
  });

  it('malformed HTTP gets 400 from the adapter, not a crash', async () => {
    const socket = connect(server.port, '127.0.0.1');
    const reply = await new Promise<string>((resolve) => {
      let data = '';
      socket.on('data', (d) => {
        data += d.toString();
      });
      socket.on('close', () => resolve(data));
      socket.write('GARBAGE\r\n\r\n');
    });
    assert.match(reply, /^HTTP\/1\.1 400/);
    assert.equal((await request(server.port, { path: '/-/health' })).status, 200);
  });

  it('user-chosen names never reach Object.prototype: query names, meta names, key extensions', async () => {
    assert.equal((await request(server.port, signed(server, 'PUT', 'proto', undefined, { 'x-oss-acl': 'public-read' }))).status, 200);
    const body = Buffer.from('prototype-safe');
    const put = signed(server, 'PUT', 'proto', 'obj.txt', { 'x-oss-meta-__proto__': 'meta-value', 'x-oss-meta-constructor': 'c' });
    assert.equal((await request(server.port, { ...put, body })).status, 200);
    // Anonymous reads of a public-read object with parameter names that are Object.prototype members.
    for (const query of ['constructor=1', '__proto__=x', 'toString=1&hasOwnProperty=2', 'response-constructor=1', '__proto__']) {
      const r = await request(server.port, { path: `/proto/obj.txt?${query}` });
      assert.equal(r.status, 200, `?${query}: ${r.body.toString()}`);
      assert.deepEqual(r.body, body, `?${query}`);
      assert.equal(r.headers['content-type'], 'text/plain', `?${query}`);
    }
    assert.equal((await request(server.port, { path: '/-/health' })).status, 200, 'the server is still up');
    const head = await request(server.port, signed(server, 'HEAD', 'proto', 'obj.txt'));
    assert.equal(head.headers['x-oss-meta-__proto__'], 'meta-value');
    assert.equal(head.headers['x-oss-meta-constructor'], 'c');
    // Keys ending in an Object.prototype member name get the default type, not a prototype's.
    for (const key of ['x.__proto__', 'x.constructor', 'x.toString']) {
      const p = signed(server, 'PUT', 'proto', key);
      assert.equal((await request(server.port, { ...p, body })).status, 200, key);
      const g = await request(server.port, signed(server, 'GET', 'proto', key));
      assert.equal(g.headers['content-type'], 'application/octet-stream', key);
    }
  });

  it('ensureExample creates examplebucket/exampleobject.txt once and returns a working presigned URL', async () => {
    const url = await ensureExample(server);
    assert.ok(url.startsWith(`${server.url}/examplebucket/exampleobject.txt?`), url);
    assert.match(url, /x-oss-signature=[0-9a-f]{64}/);
    const path = url.slice(server.url.length);
    const first = await request(server.port, { path });
    assert.equal(first.status, 200);
    assert.match(first.body.toString(), /Hello from Pail/);
    const url2 = await ensureExample(server);
    assert.equal((await request(server.port, { path: url2.slice(server.url.length) })).status, 200);
    const list = await request(server.port, signed(server, 'GET', 'examplebucket'));
    assert.equal(list.body.toString().split('<Key>').length - 1, 1);
  });
});

describe('startServer logging', () => {
  it("without log or logLevel, logs at the config default ('info') to stdout; logLevel is honoured", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pail-loglevel-'));
    const lines: string[] = [];
    const write = process.stdout.write;
    // Keep Pail's own log lines (one per write) out of the test output; pass the rest on.
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = String(chunk);
      if (/pail (listening|stopped)/.test(text)) {
        lines.push(text);
        return true;
      }
      return (write as (...a: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
    }) as typeof process.stdout.write;
    let levels: string[];
    try {
      const byDefault = await startServer({ dataDir, port: 0 });
      await byDefault.close();
      const warn = await startServer({ dataDir, port: 0, logLevel: 'warn' });
      await warn.close();
      levels = [byDefault.log.level, warn.log.level];
    } finally {
      process.stdout.write = write;
      await rm(dataDir, { recursive: true, force: true });
    }
    assert.deepEqual(levels, ['info', 'warn']);
    assert.equal(lines.filter((l) => l.includes('pail listening')).length, 1, lines.join(''));
  });
});

describe('readiness', () => {
  it('before storage is attached: /-/health 200, /-/ready 503, OSS requests 503; then ready', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pail-ready-'));
    const core = createCore({ region: 'cn-hangzhou', domains: ['localhost'], keys: new StaticAccessKeyStore() });
    const call = async (target: string) => {
      const r = await core.handle({ method: 'GET', rawTarget: target, headers: { host: 'localhost' }, body: Readable.from([]) });
      r.done();
      return r;
    };
    try {
      assert.equal((await call('/-/health')).status, 200);
      const notReady = await call('/-/ready');
      assert.equal(notReady.status, 503);
      assert.deepEqual(JSON.parse(String(notReady.body)), { status: 'starting' });
      const early = await call('/bkt/key');
      assert.equal(early.status, 503);
      assert.match(String(early.body), /<Code>ServiceUnavailable<\/Code>/);
      const storage = await openStorage({ dataDir });
      await storage.recover();
      core.setStorage(storage);
      assert.equal(core.ready, true);
      assert.equal((await call('/-/ready')).status, 200);
      assert.equal((await call('/bkt/key')).status, 403, 'anonymous, now answered by the pipeline');
      core.beginShutdown();
      assert.equal((await call('/-/ready')).status, 503);
    } finally {
      await core.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('graceful shutdown', () => {
  it('finishes an in-flight download, refuses new connections, closes storage', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pail-shutdown-'));
    const server = await startServer({ dataDir, port: 0, log: quiet });
    try {
      await request(server.port, signed(server, 'PUT', 'bkt'));
      const big = Buffer.alloc(8 * 1024 * 1024, 3);
      const put = signed(server, 'PUT', 'bkt', 'big.bin');
      assert.equal((await request(server.port, { ...put, body: big })).status, 200);

      const get = signed(server, 'GET', 'bkt', 'big.bin');
      let received = 0;
      let paused!: http.IncomingMessage;
      const done = new Promise<number>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: server.port, path: get.path, headers: get.headers, agent }, (res) => {
          paused = res;
          res.pause();
          res.on('data', (c: Buffer) => {
            received += c.length;
          });
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
      await until(() => paused !== undefined, 'the download to start');
      const closing = server.close();
      await until(() => !server.core.ready, 'readiness to drop');
      await assert.rejects(request(server.port, { path: '/-/health' }), /ECONNREFUSED|ECONNRESET/);
      paused.resume();
      assert.equal(await done, 200);
      assert.equal(received, big.length);
      await closing;
      assert.equal(server.core.storage, undefined);
      await server.close(); // idempotent
    } finally {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('gives up on a stuck client after shutdownTimeoutMs', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pail-shutdown2-'));
    const server = await startServer({ dataDir, port: 0, log: quiet, shutdownTimeoutMs: 200 });
    try {
      await request(server.port, signed(server, 'PUT', 'bkt'));
      const put = signed(server, 'PUT', 'bkt', 'big.bin');
      assert.equal((await request(server.port, { ...put, body: Buffer.alloc(16 * 1024 * 1024, 1) })).status, 200);
      const get = signed(server, 'GET', 'bkt', 'big.bin');
      const socket = connect(server.port, '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      socket.pause(); // never reads: the response can never finish
      socket.write(`GET ${get.path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${Object.entries(get.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
      await until(() => server.core.inFlight > 0, 'the download to start');
      const t0 = Date.now();
      await server.close();
      assert.ok(Date.now() - t0 < 5000);
      socket.destroy();
    } finally {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
