/**
 * Shared plumbing for the ali-oss conformance suite: a real Pail on a real socket (with an
 * injectable clock so presign expiry never sleeps), ali-oss clients in both signature versions,
 * a raw HTTP client that sends a request target byte-for-byte, curl, and error assertions.
 *
 * Request targets are split with plain string operations, never WHATWG `URL`
 * (CONTRIBUTING.md): `URL` would normalise the `./` and `../` keys this suite exists to test.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../../src/clock.js';
import { createLogger, startServer } from '../../src/index.js';
import { OSS, type OssClient, type OssError, type OssOptions } from './alioss.js';

/** Repository root, from `packages/server/dist/test/conformance/`. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
/** Source fixtures (not compiled), from `packages/server/dist/test/conformance/`. */
export const FIXTURES = fileURLToPath(new URL('../../../test/conformance/fixtures/', import.meta.url));

/** ali-oss's `region` option; Pail's default region is `cn-hangzhou` (oss-signature.md §1.4). */
export const REGION = 'oss-cn-hangzhou';

export type SignatureVersion = 'v4' | 'v1';

export interface PailUnderTest {
  readonly url: string;
  readonly port: number;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** The server's only source of time (src/clock.ts); seeded to the real time. */
  readonly clock: ManualClock;
  /** Brings the server clock back to real time (after a test advanced it past an expiry). */
  syncClock(): void;
  /** Everything the server logged (debug level, JSON lines), for the no-secrets-in-logs check. */
  logText(): string;
  close(): Promise<void>;
}

/** Starts Pail on an ephemeral port with a throw-away data directory and a ManualClock. */
export async function startPail(): Promise<PailUnderTest> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pail-conformance-'));
  const clock = new ManualClock(Date.now());
  const logLines: string[] = [];
  // Debug level so every request is logged, captured (not printed) for assertNoSecretsInLogs.
  const log = createLogger({ level: 'debug', format: 'json', stream: { write: (chunk: string) => logLines.push(chunk) } });
  const server = await startServer({ dataDir, host: '127.0.0.1', port: 0, clock, log });
  return {
    url: server.url,
    port: server.port,
    accessKeyId: server.rootCredentials.accessKeyId,
    accessKeySecret: server.rootCredentials.accessKeySecret,
    clock,
    syncClock: () => clock.set(Date.now()),
    logText: () => logLines.join(''),
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * CONTRIBUTING.md: secrets never reach logs. Checks a server's captured log for the secret key
 * and for any signature value (V4 hex, V1 base64, in URLs or Authorization headers).
 */
export function assertNoSecretsInLogs(pail: PailUnderTest): void {
  const text = pail.logText();
  assert.ok(text.split('\n').length > 20, 'the server logged (almost) nothing at debug level');
  assert.ok(!text.includes(pail.accessKeySecret), 'the AccessKeySecret appears in the log');
  const leaks = [
    /x-oss-signature=[0-9a-f]{64}/i,
    /[?&]Signature=(?!REDACTED)[A-Za-z0-9%+/]{8,}/,
    /Signature=[0-9a-f]{64}/,
    /OSS [A-Za-z0-9]+:[A-Za-z0-9+/]{27}=/,
  ];
  for (const re of leaks) {
    const m = re.exec(text);
    assert.equal(m, null, `a signature appears in the log: …${m ? text.slice(Math.max(0, m.index - 80), m.index + 80) : ''}…`);
  }
}

/** A keep-alive agent that resolves every name to 127.0.0.1 (alioss-wire §1.2) for `<bucket>.localhost`. */
export function loopbackAgent(): http.Agent {
  type LookupCb = (err: Error | null, address: string | { address: string; family: number }[], family?: number) => void;
  const lookup = (_hostname: string, opts: unknown, cb?: LookupCb) => {
    const done = (typeof opts === 'function' ? opts : cb) as LookupCb;
    const all = typeof opts === 'object' && opts !== null && (opts as { all?: boolean }).all;
    if (all) done(null, [{ address: '127.0.0.1', family: 4 }]);
    else done(null, '127.0.0.1', 4);
  };
  return new http.Agent({ keepAlive: true, lookup } as http.AgentOptions);
}

/**
 * An ali-oss client as the wire notes recommend (alioss-wire §0): path-style via `sldEnable`,
 * a non-IP endpoint so the Host header and the V1 URL helpers work.
 */
export function aliOss(
  pail: PailUnderTest,
  version: SignatureVersion,
  overrides: Partial<OssOptions> = {},
): OssClient {
  return new OSS({
    accessKeyId: pail.accessKeyId,
    accessKeySecret: pail.accessKeySecret,
    region: REGION,
    endpoint: `http://localhost:${pail.port}`,
    sldEnable: true,
    authorizationV4: version === 'v4',
    timeout: 60_000,
    ...overrides,
  });
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Upper-case hex MD5 in quotes: the ETag OSS gives a simple upload (oss-api-notes §5.3). */
export function md5Etag(data: Buffer): string {
  return `"${createHash('md5').update(data).digest('hex').toUpperCase()}"`;
}

let crcLo: Uint32Array | undefined;
let crcHi: Uint32Array | undefined;

/**
 * CRC-64/XZ (ECMA-182 reflected, init and xorout all ones) as the unsigned decimal string OSS
 * sends in `x-oss-hash-crc64ecma`; check value "123456789" → 11051210869376104954 (wire §6).
 * Independent of the server's implementation on purpose; 64-bit state kept as two uint32 halves.
 */
export function crc64(data: Uint8Array): string {
  if (!crcLo || !crcHi) {
    crcLo = new Uint32Array(256);
    crcHi = new Uint32Array(256);
    const polyLo = 0xd7870f42;
    const polyHi = 0xc96c5795;
    for (let n = 0; n < 256; n++) {
      let lo = n;
      let hi = 0;
      for (let k = 0; k < 8; k++) {
        const lsb = lo & 1;
        lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
        hi >>>= 1;
        if (lsb) {
          lo = (lo ^ polyLo) >>> 0;
          hi = (hi ^ polyHi) >>> 0;
        }
      }
      crcLo[n] = lo;
      crcHi[n] = hi;
    }
  }
  let lo = 0xffffffff;
  let hi = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    const idx = (lo ^ data[i]!) & 0xff;
    lo = (((lo >>> 8) | (hi << 24)) ^ crcLo[idx]!) >>> 0;
    hi = ((hi >>> 8) ^ crcHi[idx]!) >>> 0;
  }
  return (((BigInt(~hi >>> 0) << 32n) | BigInt(~lo >>> 0)) & 0xffffffffffffffffn).toString();
}

/** Deterministic pseudo-random bytes (a repeatable body that no error page can contain by accident). */
export function bytes(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping result order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Byte order of UTF-8 (how OSS and Pail sort keys; CONTRIBUTING.md: never localeCompare). */
export function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Splits `http://host[:port]/target` without WHATWG URL (so `..` and `%2E` reach the server as sent). */
export function splitUrl(url: string): { host: string; port: number; target: string } {
  assert.ok(url.startsWith('http://'), `not an http URL: ${url}`);
  const rest = url.slice('http://'.length);
  const slash = rest.indexOf('/');
  const host = slash === -1 ? rest : rest.slice(0, slash);
  const target = slash === -1 ? '/' : rest.slice(slash);
  const colon = host.lastIndexOf(':');
  const port = colon === -1 ? 80 : Number(host.slice(colon + 1));
  return { host, port, target };
}

const rawAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/**
 * Sends one request to 127.0.0.1 with the target exactly as given and `Host` from the URL
 * (so `bucket.localhost` URLs work without DNS).
 */
export function rawRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<RawResponse> {
  const { host, port, target } = splitUrl(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: init.method ?? 'GET',
        path: target,
        headers: { host, ...init.headers },
        agent: rawAgent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/** The `<Code>` (etc.) of an OSS error body; undefined when absent. */
export function xmlField(body: Buffer | string, name: string): string | undefined {
  const text = body.toString();
  const open = `<${name}>`;
  const start = text.indexOf(open);
  if (start === -1) return undefined;
  const end = text.indexOf(`</${name}>`, start);
  return end === -1 ? undefined : text.slice(start + open.length, end);
}

/** Asserts that `body` carries none of `object`'s bytes (an error page, not a leak). */
export function assertNoObjectBytes(body: Buffer, object: Buffer, context: string): void {
  assert.notDeepEqual(body, object, `${context}: got the object bytes`);
  const probe = object.subarray(0, Math.min(32, object.length));
  assert.equal(body.indexOf(probe), -1, `${context}: response contains object bytes`);
}

/** Runs curl; resolves with stdout (curl's `-w` output) even when curl exits non-zero. */
export function curl(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('curl', args, { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs a Node child process; resolves with its exit code and output. */
export function runNode(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { encoding: 'utf8', timeout: 60_000, cwd: REPO_ROOT, env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** OSS request ids: 24 upper-case hex characters (oss-signature.md §4.1). */
export const REQUEST_ID = /^[0-9A-F]{24}$/;

export interface ExpectedOssError {
  readonly code: string;
  readonly status: number;
  /** Exact EC (`0026-00000001`) or a pattern (`/^0003-/`); omitted → any well-formed EC. */
  readonly ec?: string | RegExp | null;
  /** Substring of err.message. */
  readonly message?: string;
}

/**
 * Awaits an ali-oss call that must fail, and checks what ali-oss surfaced from the error
 * response (alioss-wire §4.4): code, HTTP status, request id and EC. `ec: null` is for
 * body-less responses that ali-oss maps itself (HEAD 404 → NoSuchKey, no EC).
 */
export async function expectOssError(call: Promise<unknown>, expected: ExpectedOssError): Promise<OssError> {
  let err: OssError | undefined;
  try {
    await call;
  } catch (e) {
    err = e as OssError;
  }
  assert.ok(err, `expected ${expected.code} (${expected.status}) but the call succeeded`);
  const summary = `${err.name}: code=${err.code} status=${err.status} ec=${err.ecCode} message=${err.message.split('\n')[0]}`;
  assert.equal(err.code, expected.code, summary);
  assert.equal(err.status, expected.status, summary);
  assert.match(String(err.requestId), REQUEST_ID, `requestId: ${summary}`);
  if (expected.ec === null) {
    // ali-oss synthesises these errors from the status alone; there is nothing more to check.
  } else if (typeof expected.ec === 'string') {
    assert.equal(err.ecCode, expected.ec, summary);
  } else {
    assert.match(String(err.ecCode), expected.ec ?? /^\d{4}-\d{8}$/, `ecCode: ${summary}`);
  }
  if (expected.message) assert.ok(err.message.includes(expected.message), summary);
  return err;
}

/** Reads a stream to one Buffer. */
export async function drain(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}
