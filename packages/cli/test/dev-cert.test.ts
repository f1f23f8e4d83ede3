/**
 * `pail dev-cert` as users run it (a child process): the files it writes, what openssl says about
 * them, the name-constrained CA kept across runs, and usage errors.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/pail.js', import.meta.url));

function pail(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function openssl(args: string[]): string {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe('pail dev-cert', () => {
  const work = mkdtempSync(join(tmpdir(), 'pail-dev-cert-'));
  after(() => rmSync(work, { recursive: true, force: true }));
  const tls = join(work, '.pail', 'tls');

  it('writes ca.pem, cert.pem, key.pem under <data-dir>/tls; the certificate verifies and names localhost, the IPs and each domain', () => {
    const r = pail(['dev-cert', '--domain', 'pail.localhost'], work);
    assert.equal(r.code, 0, r.stderr);
    for (const f of ['ca.pem', 'cert.pem', 'key.pem', 'ca-key.pem']) assert.ok(statSync(join(tls, f)).isFile(), f);
    assert.equal(statSync(join(tls, 'key.pem')).mode & 0o077, 0, 'key.pem is private');
    assert.equal(statSync(join(tls, 'ca-key.pem')).mode & 0o077, 0, 'ca-key.pem is private');
    assert.match(openssl(['verify', '-CAfile', join(tls, 'ca.pem'), join(tls, 'cert.pem')]), /OK/);
    const san = openssl(['x509', '-in', join(tls, 'cert.pem'), '-noout', '-ext', 'subjectAltName']);
    for (const name of ['DNS:localhost', 'DNS:pail.localhost', 'DNS:*.pail.localhost', 'IP Address:127.0.0.1']) assert.ok(san.includes(name), san);
    const ca = openssl(['x509', '-in', join(tls, 'ca.pem'), '-noout', '-ext', 'basicConstraints,nameConstraints']);
    assert.match(ca, /CA:TRUE/);
    assert.match(ca, /Permitted:[\s\S]*DNS:pail\.localhost/);
    // It says how to trust it, client by client, and how to serve with it.
    for (const hint of ['--cacert', 'NODE_EXTRA_CA_CERTS', 'REQUESTS_CA_BUNDLE', 'SSL_CERT_FILE', 'keytool -importcert', 'certutil -d sql:$HOME/.pki/nssdb', '--tls-cert']) {
      assert.ok(r.stdout.includes(hint), hint);
    }
  });

  it('keeps the CA when the names stay within it, and makes a new one otherwise', () => {
    const before = readFileSync(join(tls, 'ca.pem'), 'utf8');
    const leaf = readFileSync(join(tls, 'cert.pem'), 'utf8');
    const again = pail(['dev-cert', '--domain', 'pail.localhost'], work);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /unchanged/);
    assert.equal(readFileSync(join(tls, 'ca.pem'), 'utf8'), before);
    assert.notEqual(readFileSync(join(tls, 'cert.pem'), 'utf8'), leaf, 'a fresh server certificate');
    const other = pail(['dev-cert'], work, { PAIL_DOMAIN: 'oss.example.test' });
    assert.equal(other.code, 0, other.stderr);
    assert.match(other.stdout, /new: trust it once/);
    assert.notEqual(readFileSync(join(tls, 'ca.pem'), 'utf8'), before);
    assert.ok(openssl(['x509', '-in', join(tls, 'cert.pem'), '-noout', '-ext', 'subjectAltName']).includes('DNS:*.oss.example.test'));
    assert.match(openssl(['verify', '-CAfile', join(tls, 'ca.pem'), join(tls, 'cert.pem')]), /OK/);
  });

  it('--dir chooses the directory; a bad domain is a usage error (exit 2)', () => {
    const dir = join(work, 'elsewhere');
    assert.equal(pail(['dev-cert', '--dir', dir], work).code, 0);
    assert.ok(statSync(join(dir, 'cert.pem')).isFile());
    const bad = pail(['dev-cert', '--domain', 'bad domain'], work);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /invalid domain/);
  });
});
