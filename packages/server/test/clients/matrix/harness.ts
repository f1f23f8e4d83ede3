/**
 * Plumbing for the presigned-download client matrix (docs/compatibility.md, "Presigned downloads:
 * the client matrix"): one real Pail serving plain HTTP and HTTPS (a dev CA made by `pail dev-cert`),
 * objects of 0 B, 1 KiB, 5 MiB and 100 MiB of random bytes, presigned URLs (good, expired, with a
 * flipped signature character, for a missing key), and a runner that starts each client as its own
 * process with the trust settings that client normally uses.
 *
 * URLs are handled as opaque strings (no WHATWG `URL`, CONTRIBUTING.md): what a client receives is
 * exactly what @pail/sign produced.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { presignUrlSync } from '@pail/sign';
import { resolveServerConfig, startServer } from '../../../src/index.js';

/** Repository root, from `packages/server/dist/test/clients/matrix/`. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../../../', import.meta.url));
/** The client snippets (sources, not compiled), from `packages/server/dist/test/clients/matrix/`. */
export const SNIPPETS = fileURLToPath(new URL('../../../../test/clients/matrix/', import.meta.url));
/** Where scripts/setup-clients.sh puts prebuilt clients and the Python venv. */
export const TMP = join(REPO_ROOT, '.tmp');

export const KiB = 1024;
export const MiB = 1024 * KiB;

/** The bare region Pail serves by default (oss-signature.md §1.4). */
export const REGION = 'cn-hangzhou';
export const BUCKET = 'matrix';

export type Scheme = 'http' | 'https';

/** One uploaded object and the local copy its downloads are compared with. */
export interface MatrixObject {
  readonly key: string;
  readonly size: number;
  /** The local file that was uploaded. */
  readonly path: string;
  readonly sha256: string;
  /** A short label for test names: `0 B`, `1 KiB`, `5 MiB`, `100 MiB`. */
  readonly label: string;
}

export interface MatrixPail {
  /** `http://127.0.0.1:<port>`: plain HTTP (`--port`). */
  readonly httpEndpoint: string;
  /** `https://localhost:<tls-port>`: HTTPS (`--tls-port`), certificate from `pail dev-cert`. */
  readonly httpsEndpoint: string;
  /** The dev CA certificate (PEM) the HTTPS clients are told to trust. */
  readonly caFile: string;
  /** A scratch directory removed by `close()`. */
  readonly work: string;
  readonly objects: Readonly<Record<'empty' | 'small' | 'medium' | 'large', MatrixObject>>;
  /** A presigned GET URL, valid for an hour. */
  presign(scheme: Scheme, key: string): string;
  /** Any presigned request on the bucket (CORS configuration, …), sent over plain HTTP. */
  api(init: PresignInput & { body?: Buffer; headers?: Record<string, string> }): Promise<SimpleResponse>;
  /** A presigned GET URL that expired an hour ago (signed in the past, 60 s validity). */
  expiredUrl(scheme: Scheme, key: string): string;
  /** A valid URL with one character of its signature changed. */
  tamperedUrl(scheme: Scheme, key: string): string;
  /** A valid URL for a key that does not exist. */
  missingUrl(scheme: Scheme): string;
  /** A fresh, empty directory for one client run. */
  scratch(name: string): Promise<string>;
  close(): Promise<void>;
}

export interface PresignInput {
  readonly method?: string;
  readonly key?: string;
  readonly query?: Readonly<Record<string, string | null>>;
  readonly expires?: number;
  readonly date?: number;
}

export const SIZES = {
  empty: { size: 0, label: '0 B' },
  small: { size: 1 * KiB, label: '1 KiB' },
  medium: { size: 5 * MiB, label: '5 MiB' },
  large: { size: 100 * MiB, label: '100 MiB' },
} as const;

/** Makes the dev CA and server certificate the way a user would: `pail dev-cert --dir`. */
export async function devCert(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const r = await run(process.execPath, [join(REPO_ROOT, 'packages/cli/bin/pail.js'), 'dev-cert', '--dir', dir], {
    cwd: REPO_ROOT,
  });
  assert.equal(r.code, 0, `pail dev-cert failed:\n${r.stdout}\n${r.stderr}`);
  const files = { ca: join(dir, 'ca.pem'), cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
  for (const f of Object.values(files)) assert.ok(existsSync(f), `pail dev-cert did not write ${f}`);
  return files;
}

/** Writes `size` random bytes to `path` (in 1 MiB pieces) and returns their sha256. */
async function randomFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let left = size; left > 0; ) {
    const chunk = randomBytes(Math.min(left, MiB));
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
    left -= chunk.length;
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return hash.digest('hex');
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface SimpleResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** Sends one request with an optional body (a Buffer, or a file streamed from disk). */
export function send(
  url: string,
  init: { method: string; body?: Buffer | { path: string; size: number }; headers?: Record<string, string>; ca?: Buffer },
): Promise<SimpleResponse> {
  const mod = url.startsWith('https:') ? https : http;
  const body = init.body;
  const length = body === undefined ? 0 : Buffer.isBuffer(body) ? body.length : body.size;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      url,
      { method: init.method, headers: { 'content-length': String(length), ...init.headers }, ...(init.ca ? { ca: init.ca } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else createReadStream(body.path).pipe(req);
  });
}

/**
 * Starts Pail with plain HTTP on one port and HTTPS on another (`--tls-port`), creates the bucket and
 * uploads the objects. `sizes` picks which objects to make (the 100 MiB one only where it is used).
 */
export async function startMatrixPail(
  sizes: readonly (keyof typeof SIZES)[] = ['empty', 'small', 'medium', 'large'],
): Promise<MatrixPail> {
  const work = await mkdtemp(join(tmpdir(), 'pail-matrix-'));
  const dataDir = join(work, 'data');
  const tls = await devCert(join(work, 'tls'));
  // The flags a user would give `pail serve` (resolveServerConfig is what the CLI calls).
  const config = resolveServerConfig(
    ['--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0', '--tls-cert', tls.cert, '--tls-key', tls.key, '--tls-port', '0', '--log-level', 'warn'],
    {},
  );
  const server = await startServer(config);
  assert.ok(server.tlsPort, 'startServer returned no tlsPort although tlsPort was configured');
  const credentials = server.rootCredentials;
  const endpoints: Record<Scheme, string> = {
    http: `http://127.0.0.1:${server.port}`,
    // localhost, not 127.0.0.1: the certificate is checked against a DNS name, as in real deployments.
    https: `https://localhost:${server.tlsPort}`,
  };
  const ca = await readFile(tls.ca);
  const presign = (scheme: Scheme, o: PresignInput) =>
    presignUrlSync({
      endpoint: endpoints[scheme],
      pathStyle: true,
      region: REGION,
      credentials,
      bucket: BUCKET,
      method: o.method ?? 'GET',
      ...(o.key !== undefined ? { key: o.key } : {}),
      expires: o.expires ?? 3600,
      ...(o.date !== undefined ? { date: o.date } : {}),
      ...(o.query !== undefined ? { query: o.query } : {}),
    }).url;

  const made = await send(presign('http', { method: 'PUT' }), { method: 'PUT' });
  assert.equal(made.status, 200, `PutBucket: ${made.status} ${made.body}`);

  const objects: Partial<Record<keyof typeof SIZES, MatrixObject>> = {};
  const src = join(work, 'src');
  await mkdir(src);
  for (const name of sizes) {
    const { size, label } = SIZES[name];
    const key = `obj-${name}.bin`;
    const path = join(src, key);
    const sha256 = await randomFile(path, size);
    const put = await send(presign('http', { method: 'PUT', key }), { method: 'PUT', body: { path, size } });
    assert.equal(put.status, 200, `PutObject ${key}: ${put.status} ${put.body}`);
    objects[name] = { key, size, path, sha256, label };
  }
  // The HTTPS listener serves the same store: one probe proves it before any client runs.
  const probe = await send(presign('https', { method: 'HEAD', key: objects[sizes[0]!]!.key }), { method: 'HEAD', ca });
  assert.equal(probe.status, 200, `HTTPS HEAD probe: ${probe.status}`);

  let n = 0;
  return {
    httpEndpoint: endpoints.http,
    httpsEndpoint: endpoints.https,
    caFile: tls.ca,
    work,
    objects: objects as MatrixPail['objects'],
    presign: (scheme, key) => presign(scheme, { key }),
    api: (init) =>
      send(presign('http', init), {
        method: init.method ?? 'GET',
        ...(init.body ? { body: init.body } : {}),
        ...(init.headers ? { headers: init.headers } : {}),
      }),
    expiredUrl: (scheme, key) => presign(scheme, { key, expires: 60, date: Date.now() - 3600_000 }),
    tamperedUrl: (scheme, key) => flipSignature(presign(scheme, { key })),
    missingUrl: (scheme) => presign(scheme, { key: 'no/such/key.bin' }),
    async scratch(name) {
      const dir = join(work, 'runs', `${String(++n).padStart(3, '0')}-${name.replace(/[^a-z0-9.-]+/gi, '_')}`);
      await mkdir(dir, { recursive: true });
      return dir;
    },
    async close() {
      await server.close();
      await rm(work, { recursive: true, force: true });
    },
  };
}

/**
 * Changes one hex digit in the middle of `x-oss-signature` (V4): still well-formed, simply wrong,
 * so the server must answer SignatureDoesNotMatch rather than a parse error.
 */
export function flipSignature(url: string): string {
  const name = 'x-oss-signature=';
  const at = url.indexOf(name);
  assert.ok(at >= 0, `no ${name} in ${url}`);
  const i = at + name.length + 10;
  const c = url[i]!;
  assert.match(c, /^[0-9a-f]$/, `signature character ${c}`);
  return url.slice(0, i) + (c === '0' ? '1' : '0') + url.slice(i + 1);
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion; never rejects on a non-zero exit (the test asserts the code). */
export function run(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? REPO_ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (stdout.length < 64 * KiB) stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 64 * KiB) stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: signal ? 128 : (code ?? 1), stdout, stderr: signal ? `${stderr}\n[killed by ${signal}]` : stderr });
    });
  });
}

/** Asserts a client's successful download: exit 0 and the file's bytes equal the object's. */
export async function assertDownloaded(r: RunResult, file: string, object: MatrixObject, who: string): Promise<void> {
  assert.equal(r.code, 0, `${who}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  assert.ok(existsSync(file), `${who}: no file at ${file}\n${r.stdout}\n${r.stderr}`);
  assert.equal((await stat(file)).size, object.size, `${who}: size`);
  assert.equal(await sha256File(file), object.sha256, `${who}: sha256`);
}

/** The error cases every client runs, with what Pail answers (OSS codes, oss-signature.md §4). */
export const ERROR_CASES = [
  { name: 'expired URL', status: 403, code: 'AccessDenied', url: (p: MatrixPail, s: Scheme) => p.expiredUrl(s, p.objects.small.key) },
  {
    name: 'flipped signature character',
    status: 403,
    code: 'SignatureDoesNotMatch',
    url: (p: MatrixPail, s: Scheme) => p.tamperedUrl(s, p.objects.small.key),
  },
  { name: 'missing key', status: 404, code: 'NoSuchKey', url: (p: MatrixPail, s: Scheme) => p.missingUrl(s) },
] as const;

/**
 * Asserts a client's error path: non-zero exit, the HTTP status and the OSS error code in what it
 * printed (the snippets print the status and the XML body), and no file claiming success.
 */
export function assertErrorPath(
  r: RunResult,
  file: string,
  expected: { status: number; code: string },
  who: string,
  errorText: (code: string) => string = (code) => `<Code>${code}</Code>`,
): void {
  const out = `${r.stdout}\n${r.stderr}`;
  assert.notEqual(r.code, 0, `${who}: exit 0 on an error\n${out}`);
  assert.ok(out.includes(String(expected.status)), `${who}: status ${expected.status} not reported\n${out}`);
  const text = errorText(expected.code);
  assert.ok(out.includes(text), `${who}: ${text} not reported\n${out}`);
  assert.ok(!existsSync(file), `${who}: left a file at ${file}`);
}
