/**
 * HTTPS (docs/compatibility.md, "HTTPS"): `--tls-cert`/`--tls-key` serve HTTPS on `--port`;
 * with `--tls-port` as well, HTTPS there and plain HTTP on `--port`. Flags and PAIL_TLS_* come
 * through resolveServerConfig as for `pail serve`. The certificate comes from `pail dev-cert` and is
 * trusted by passing its CA; certificate checks are never turned off.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resolveServerConfig, startServer } from '../src/index.js';

const PAIL = fileURLToPath(new URL('../../../cli/bin/pail.js', import.meta.url));

function get(url: string, ca?: Buffer): Promise<{ status: number; body: string }> {
  const mod = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    mod
      .get(url, ca ? { ca } : {}, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('TLS configuration (flags and PAIL_TLS_*)', () => {
  const cwd = '/srv/pail';
  it('reads --tls-cert, --tls-key, --tls-port, resolving the files against the working directory', () => {
    const c = resolveServerConfig(['--tls-cert', 'tls/cert.pem', '--tls-key=/etc/pail/key.pem', '--tls-port', '9443'], {}, cwd);
    assert.equal(c.tlsCert, '/srv/pail/tls/cert.pem');
    assert.equal(c.tlsKey, '/etc/pail/key.pem');
    assert.equal(c.tlsPort, 9443);
  });

  it('reads PAIL_TLS_CERT, PAIL_TLS_KEY, PAIL_TLS_PORT; flags win', () => {
    const env = { PAIL_TLS_CERT: '/a/cert.pem', PAIL_TLS_KEY: '/a/key.pem', PAIL_TLS_PORT: '8443' };
    const c = resolveServerConfig([], env, cwd);
    assert.deepEqual([c.tlsCert, c.tlsKey, c.tlsPort], ['/a/cert.pem', '/a/key.pem', 8443]);
    assert.equal(resolveServerConfig(['--tls-port', '7443'], env, cwd).tlsPort, 7443);
    const none = resolveServerConfig([], {}, cwd);
    assert.equal(none.tlsCert, undefined);
    assert.equal(none.tlsPort, undefined);
  });

  for (const [what, argv, message] of [
    ['a certificate without a key', ['--tls-cert', 'c.pem'], /--tls-cert and --tls-key/],
    ['a key without a certificate', ['--tls-key', 'k.pem'], /--tls-cert and --tls-key/],
    ['--tls-port without a certificate', ['--tls-port', '9443'], /--tls-port .*needs --tls-cert/],
    ['--tls-port equal to --port', ['--tls-cert', 'c', '--tls-key', 'k', '--port', '9000', '--tls-port', '9000'], /must differ/],
    ['a bad --tls-port', ['--tls-cert', 'c', '--tls-key', 'k', '--tls-port', 'https'], /--tls-port must be an integer/],
  ] as const) {
    it(`refuses ${what}`, () => {
      assert.throws(() => resolveServerConfig(argv, {}, cwd), message);
    });
  }
});

describe('TLS listeners', () => {
  let dir: string;
  let tls: { ca: Buffer; cert: string; key: string };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pail-tls-'));
    const r = spawnSync(process.execPath, [PAIL, 'dev-cert', '--dir', join(dir, 'tls')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    tls = { ca: await readFile(join(dir, 'tls', 'ca.pem')), cert: join(dir, 'tls', 'cert.pem'), key: join(dir, 'tls', 'key.pem') };
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('without --tls-port: HTTPS on --port only', async () => {
    const config = resolveServerConfig(['--data-dir', join(dir, 'one'), '--port', '0', '--tls-cert', tls.cert, '--tls-key', tls.key, '--log-level', 'warn'], {});
    const server = await startServer(config);
    try {
      assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(server.tlsPort, server.port);
      const ok = await get(`https://localhost:${server.port}/-/health`, tls.ca);
      assert.equal(ok.status, 200);
      // Plain HTTP to the TLS port is not answered as HTTP.
      await assert.rejects(get(`http://127.0.0.1:${server.port}/-/health`));
      // Without the dev CA the certificate is not trusted.
      await assert.rejects(get(`https://localhost:${server.port}/-/health`), /self-signed|unable to (get|verify)|certificate/i);
    } finally {
      await server.close();
    }
  });

  it('with --tls-port: plain HTTP on --port, HTTPS on --tls-port, one store', async () => {
    const config = resolveServerConfig(
      ['--data-dir', join(dir, 'two'), '--port', '0', '--tls-cert', tls.cert, '--tls-key', tls.key, '--tls-port', '0', '--log-level', 'warn'],
      {},
    );
    const server = await startServer(config);
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(server.tlsPort !== undefined && server.tlsPort !== server.port);
      assert.equal(server.tlsUrl, `https://127.0.0.1:${server.tlsPort}`);
      assert.equal((await get(`${server.url}/-/ready`)).status, 200);
      const viaIp = await get(`https://127.0.0.1:${server.tlsPort}/-/ready`, tls.ca);
      assert.equal(viaIp.status, 200, 'the certificate covers 127.0.0.1');
      const anonymous = await get(`https://localhost:${server.tlsPort}/`, tls.ca);
      assert.equal(anonymous.status, 403, 'an OSS request over HTTPS reaches the same core');
      assert.match(anonymous.body, /<Code>AccessDenied<\/Code>/);
    } finally {
      await server.close();
    }
  });

  it('refuses to start with an unreadable certificate or a key that does not fit', async () => {
    await assert.rejects(
      startServer({ dataDir: join(dir, 'bad'), port: 0, tlsCert: join(dir, 'missing.pem'), tlsKey: tls.key }),
      /cannot read --tls-cert .*missing\.pem/,
    );
    const other = join(dir, 'other-key.pem');
    await writeFile(other, await readFile(join(dir, 'tls', 'ca-key.pem')));
    await assert.rejects(
      startServer({ dataDir: join(dir, 'bad2'), port: 0, tlsCert: tls.cert, tlsKey: other }),
      /not a usable pair/,
    );
  });
});
