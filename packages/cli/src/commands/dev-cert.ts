/**
 * `pail dev-cert`: a local certificate authority and a server certificate for trying Pail over
 * HTTPS on a development machine (docs/compatibility.md, "HTTPS"). Made with the `openssl` CLI
 * (Debian's `openssl` package) so there is no crypto code of ours to trust.
 *
 * The CA is name-constrained (RFC 5280 §4.2.1.10) to the names it was made for, so trusting it
 * cannot let a leaked `ca-key.pem` impersonate any other site. It is kept across runs while the
 * requested names stay within its constraints (trust is installed once); asking for a name
 * outside them makes a new CA, and the output says the new one must be trusted.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { list, str } from '../args.js';
import type { Command } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { shellQuote } from '../format.js';

const CA_DAYS = 3650;
/** The longest validity Apple platforms accept for a leaf from a private CA. */
const LEAF_DAYS = 825;
/** Always in the certificate: the names a local server answers on. */
const BASE_DNS = ['localhost'];
const BASE_IPS = ['127.0.0.1', '::1'];

/** What the CA was made for, stored beside it (`dev-cert.json`). */
interface CaRecord {
  readonly version: 1;
  readonly names: readonly string[];
}

function openssl(args: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    execFile('openssl', args, { cwd }, (err, _stdout, stderr) => {
      if (!err) return resolvePromise();
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      reject(
        new CliError(
          missing
            ? 'pail dev-cert needs the openssl command (Debian/Ubuntu: apt-get install openssl)'
            : `openssl ${args[0]} failed: ${String(stderr).trim() || err.message}`,
        ),
      );
    });
  });
}

const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The DNS names of the server certificate: each domain and its `*.` wildcard (virtual-hosted buckets). */
export function certificateNames(domains: readonly string[]): { dns: string[]; ips: string[] } {
  const dns = [...BASE_DNS];
  const ips = [...BASE_IPS];
  for (const raw of domains) {
    const d = raw.trim().toLowerCase().replace(/\.$/, '');
    if (isIP(d)) {
      if (!ips.includes(d)) ips.push(d);
      continue;
    }
    if (!DOMAIN.test(d)) throw new UsageError(`pail dev-cert: invalid domain '${raw}'`);
    for (const n of [d, `*.${d}`]) if (!dns.includes(n)) dns.push(n);
  }
  return { dns, ips };
}

function ipConstraint(ip: string): string {
  return isIP(ip) === 4 ? `${ip}/255.255.255.255` : `${ip}/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff`;
}

/** Whether the names of the CA's constraints cover `dns`/`ips` (a DNS constraint covers its subdomains). */
function covered(ca: CaRecord, dns: readonly string[], ips: readonly string[]): boolean {
  const want = [...dns.map((n) => (n.startsWith('*.') ? n.slice(2) : n)), ...ips];
  return want.every((n) => ca.names.some((c) => n === c || (!isIP(c) && n.endsWith(`.${c}`))));
}

export interface DevCertResult {
  readonly dir: string;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  readonly newCa: boolean;
  readonly dns: readonly string[];
  readonly ips: readonly string[];
}

/** Makes (or reuses) the CA in `dir` and issues a fresh server certificate. */
export async function makeDevCert(dirIn: string, domains: readonly string[]): Promise<DevCertResult> {
  const dir = resolve(dirIn);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { dns, ips } = certificateNames(domains);
  const files = { ca: join(dir, 'ca.pem'), caKey: join(dir, 'ca-key.pem'), cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
  const recordFile = join(dir, 'dev-cert.json');

  let record: CaRecord | undefined;
  if (existsSync(files.ca) && existsSync(files.caKey) && existsSync(recordFile)) {
    try {
      record = JSON.parse(await readFile(recordFile, 'utf8')) as CaRecord;
    } catch {
      record = undefined;
    }
  }
  const newCa = !record || !covered(record, dns, ips);
  if (newCa) {
    const names = [...new Set([...dns.filter((n) => !n.startsWith('*.')), ...ips])];
    const constraints = names.map((n) => (isIP(n) ? `permitted;IP:${ipConstraint(n)}` : `permitted;DNS:${n}`)).join(',');
    await writeFile(
      join(dir, 'ca.cnf'),
      [
        '[req]',
        'distinguished_name = dn',
        'prompt = no',
        'x509_extensions = ca_ext',
        '[dn]',
        'O = Pail development CA',
        `CN = Pail development CA (${new Date().toISOString().slice(0, 10)})`,
        '[ca_ext]',
        'basicConstraints = critical, CA:TRUE, pathlen:0',
        'keyUsage = critical, keyCertSign, cRLSign',
        'subjectKeyIdentifier = hash',
        `nameConstraints = critical, ${constraints}`,
        '',
      ].join('\n'),
    );
    await rm(files.caKey, { force: true });
    await openssl(
      ['req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', files.caKey,
        '-out', files.ca, '-days', String(CA_DAYS), '-config', 'ca.cnf'],
      dir,
    );
    await chmod(files.caKey, 0o600);
    record = { version: 1, names };
    await writeFile(recordFile, `${JSON.stringify(record, null, 2)}\n`);
    await rm(join(dir, 'ca.cnf'), { force: true });
  }

  const san = [...dns.map((n) => `DNS:${n}`), ...ips.map((n) => `IP:${n}`)].join(', ');
  await writeFile(
    join(dir, 'leaf.cnf'),
    [
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      '[dn]',
      'O = Pail development server',
      'CN = localhost',
      '[leaf_ext]',
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = serverAuth',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid',
      `subjectAltName = ${san}`,
      '',
    ].join('\n'),
  );
  await rm(files.key, { force: true });
  await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', files.key,
    '-out', 'leaf.csr', '-config', 'leaf.cnf'], dir);
  await chmod(files.key, 0o600);
  await openssl(['x509', '-req', '-in', 'leaf.csr', '-CA', files.ca, '-CAkey', files.caKey, '-CAcreateserial', '-out', files.cert,
    '-days', String(LEAF_DAYS), '-extfile', 'leaf.cnf', '-extensions', 'leaf_ext'], dir);
  for (const f of ['leaf.cnf', 'leaf.csr', 'ca.srl']) await rm(join(dir, f), { force: true });
  return { dir, ca: files.ca, cert: files.cert, key: files.key, newCa, dns, ips };
}

/** How to trust the CA, client by client (the same mechanisms the client matrix tests). */
export function trustInstructions(r: DevCertResult): string {
  const ca = shellQuote(r.ca);
  return [
    `CA certificate: ${r.ca}${r.newCa ? '   (new: trust it once, as below)' : '   (unchanged: existing trust still applies)'}`,
    `Server certificate: ${r.cert} (key ${r.key})`,
    `  for ${[...r.dns, ...r.ips].join(', ')}`,
    '',
    'Serve HTTPS:',
    `  pail serve --tls-cert ${shellQuote(r.cert)} --tls-key ${shellQuote(r.key)}                 # HTTPS on --port`,
    `  pail serve --tls-cert ${shellQuote(r.cert)} --tls-key ${shellQuote(r.key)} --tls-port 9443 # HTTP on --port, HTTPS on 9443`,
    '',
    'Trust the CA (nothing here is trusted until you do):',
    `  curl:            curl --cacert ${ca} https://localhost:9443/...`,
    `  Node.js:         NODE_EXTRA_CA_CERTS=${ca} node app.js`,
    `  Python requests: REQUESTS_CA_BUNDLE=${ca} python app.py`,
    `  Go:              SSL_CERT_FILE=${ca} ./app`,
    `  Java:            keytool -importcert -noprompt -alias pail-dev -file ${ca} -keystore pail-trust.p12 -storetype PKCS12 -storepass changeit`,
    '                   java -Djavax.net.ssl.trustStore=pail-trust.p12 -Djavax.net.ssl.trustStorePassword=changeit ...',
    `  Chromium/Chrome: certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n pail-dev -i ${ca}   (Debian: libnss3-tools)`,
    `  Debian system:   cp ${ca} /usr/local/share/ca-certificates/pail-dev.crt && update-ca-certificates`,
    '',
    `Keep ${join(r.dir, 'ca-key.pem')} private. The CA can only sign for the names above (name constraints).`,
    `Inspect: openssl x509 -in ${shellQuote(r.cert)} -noout -text`,
    '',
  ].join('\n');
}

export const devCert: Command = {
  spec: {
    name: 'dev-cert',
    summary: 'create a local CA and a certificate to serve HTTPS on a development machine',
    usage: ['dev-cert [--dir DIR] [--data-dir DIR] [--domain DOMAIN]...'],
    options: [
      { name: 'dir', value: 'DIR', type: 'string', description: 'Where to write ca.pem, cert.pem, key.pem (default DATA-DIR/tls)' },
      { name: 'data-dir', value: 'DIR', type: 'string', description: 'The server data directory (default $PAIL_DATA_DIR, else ./.pail)' },
      {
        name: 'domain',
        value: 'DOMAIN',
        type: 'string',
        multiple: true,
        description: 'Also certify DOMAIN and *.DOMAIN (virtual-hosted buckets); default $PAIL_DOMAIN',
      },
    ],
    minPositionals: 0,
    maxPositionals: 0,
    details: [
      'The certificate always covers localhost, 127.0.0.1 and ::1. Needs the openssl command.',
      'Re-running keeps the CA (so it stays trusted) and issues a fresh server certificate.',
      '',
      'Examples:',
      '  pail dev-cert',
      '  pail dev-cert --domain pail.localhost     # then https://BUCKET.pail.localhost:PORT/ works too',
    ].join('\n'),
  },
  async run(ctx) {
    const dataDir = str(ctx.args, 'data-dir') ?? ctx.env['PAIL_DATA_DIR'] ?? '.pail';
    const dir = str(ctx.args, 'dir') ?? join(dataDir, 'tls');
    let domains = list(ctx.args, 'domain');
    if (domains.length === 0 && ctx.env['PAIL_DOMAIN']) domains = ctx.env['PAIL_DOMAIN'].split(',');
    const result = await makeDevCert(dir, domains);
    ctx.stdout.write(trustInstructions(result));
    return 0;
  },
};
