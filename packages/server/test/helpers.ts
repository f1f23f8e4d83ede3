/**
 * In-process harness for the server unit tests: a real core on real storage (temp data dir),
 * a ManualClock, the root key, and helpers that sign requests with @pail/sign exactly as a
 * client would and hand the core the raw request target (no sockets, no WHATWG URL).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  type PresignedRequest,
  presignUrlSync,
  presignUrlV1Sync,
  type QueryInput,
  type SignedRequest,
  signRequestSync,
  signRequestV1Sync,
} from '@pail/sign';
import { rootEntry, StaticAccessKeyStore } from '../src/auth/keys.js';
import { ManualClock } from '../src/clock.js';
import { type Core, type CoreResponse, createCore } from '../src/core.js';
import type { Logger } from '../src/log.js';
import { openStorage } from '../src/storage/storage.js';
import type { Storage } from '../src/storage/types.js';

export const REGION = 'cn-hangzhou';
export const HOST = 'localhost:9000';
export const ENDPOINT = `http://${HOST}`;
export const DOMAINS = ['localhost'];
export const CREDS = { accessKeyId: 'LTAItestRootKey0123456789', accessKeySecret: 'testRootSecret0123456789abcdef' } as const;
/** 2026-01-15T12:00:00Z: a fixed start so dates in assertions are stable. */
export const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

export interface Reply {
  readonly status: number;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly operation: string;
  readonly requestId: string;
}

export interface RawInit {
  readonly method?: string;
  readonly target: string;
  readonly headers?: Record<string, string>;
  /** A Buffer (Content-Length added unless given) or a stream (sent as-is: add transfer-encoding yourself). */
  readonly body?: Buffer | AsyncIterable<Uint8Array>;
}

export interface SignedInit {
  readonly bucket?: string;
  readonly key?: string;
  readonly query?: QueryInput;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer | AsyncIterable<Uint8Array>;
  /** Default v4. */
  readonly version?: 'v4' | 'v1';
  /** Host header (default localhost:9000, path style). */
  readonly host?: string;
}

export interface Harness {
  readonly core: Core;
  readonly storage: Storage;
  readonly clock: ManualClock;
  readonly dataDir: string;
  raw(init: RawInit): Promise<Reply>;
  /** A header-signed request (path style). */
  send(method: string, init?: SignedInit): Promise<Reply>;
  /** Signs without sending: the target and headers a client would use. */
  sign(method: string, init?: SignedInit): { target: string; headers: Record<string, string> };
  /** A presigned URL's request target (path style). */
  presign(method: string, init: { bucket: string; key?: string; expires?: number; query?: QueryInput; version?: 'v4' | 'v1'; headers?: Record<string, string> }): { target: string; presigned: PresignedRequest };
  close(): Promise<void>;
}

const EMPTY = Buffer.alloc(0);

export async function collect(res: CoreResponse): Promise<Buffer> {
  if (res.body === null) {
    res.done({ bytesSent: 0 });
    return EMPTY;
  }
  if (Buffer.isBuffer(res.body)) {
    res.done({ bytesSent: res.body.length });
    return res.body;
  }
  const chunks: Buffer[] = [];
  try {
    for await (const c of res.body) chunks.push(Buffer.from(c as Uint8Array));
  } catch (error) {
    res.done({ error });
    throw error;
  }
  const body = Buffer.concat(chunks);
  res.done({ bytesSent: body.length });
  return body;
}

function lower(h: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

/** The request target of an absolute URL, by string operations only. */
export function targetOf(url: string): string {
  const i = url.indexOf('/', url.indexOf('//') + 2);
  return i < 0 ? '/' : url.slice(i);
}

async function* once(b: Buffer): AsyncIterable<Uint8Array> {
  if (b.length > 0) yield b;
}

export interface HarnessOptions {
  readonly log?: Logger;
  readonly domains?: readonly string[];
}

export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pail-unit-'));
  const clock = new ManualClock(T0);
  const storage = await openStorage({ dataDir, clock });
  await storage.recover();
  const keys = new StaticAccessKeyStore([rootEntry(CREDS.accessKeyId, CREDS.accessKeySecret)]);
  const core = createCore({
    region: REGION,
    domains: options.domains ?? DOMAINS,
    keys,
    clock,
    storage,
    ...(options.log ? { log: options.log } : {}),
  });

  const raw = async (init: RawInit): Promise<Reply> => {
    const headers: Record<string, string> = { host: HOST, ...init.headers };
    let body: AsyncIterable<Uint8Array> = once(EMPTY);
    if (Buffer.isBuffer(init.body)) {
      if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) headers['content-length'] = String(init.body.length);
      body = once(init.body);
    } else if (init.body) body = init.body;
    const res = await core.handle({ method: init.method ?? 'GET', rawTarget: init.target, headers, body, remote: { address: '127.0.0.1' } });
    const data = await collect(res);
    return { status: res.status, headers: lower(res.headers), body: data, operation: res.operation, requestId: res.requestId };
  };

  const sign = (method: string, init: SignedInit = {}): { target: string; headers: Record<string, string> } => {
    const request = {
      method,
      ...(init.bucket !== undefined ? { bucket: init.bucket } : {}),
      ...(init.key !== undefined ? { key: init.key } : {}),
      ...(init.query !== undefined ? { query: init.query } : {}),
      ...(init.headers !== undefined ? { headers: init.headers } : {}),
    };
    const opts = { endpoint: ENDPOINT, pathStyle: true, region: REGION, date: clock.now() };
    const signed: SignedRequest = init.version === 'v1' ? signRequestV1Sync(request, CREDS, opts) : signRequestSync(request, CREDS, opts);
    return { target: signed.target!.path, headers: { ...signed.headers, host: init.host ?? HOST } };
  };

  return {
    core,
    storage,
    clock,
    dataDir,
    raw,
    sign,
    send(method, init = {}) {
      const { target, headers } = sign(method, init);
      return raw({ method, target, headers, ...(init.body !== undefined ? { body: init.body } : {}) });
    },
    presign(method, init) {
      const opts = {
        endpoint: ENDPOINT,
        pathStyle: true,
        region: REGION,
        credentials: CREDS,
        method,
        bucket: init.bucket,
        ...(init.key !== undefined ? { key: init.key } : {}),
        ...(init.query !== undefined ? { query: init.query } : {}),
        ...(init.headers !== undefined ? { headers: init.headers } : {}),
        expires: init.expires ?? 3600,
        date: clock.now(),
      };
      const presigned = init.version === 'v1' ? presignUrlV1Sync(opts) : presignUrlSync(opts);
      return { target: targetOf(presigned.url), presigned };
    },
    async close() {
      await core.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A body stream that yields `chunks` and then fails as a client disconnect does. */
export function abortingBody(chunks: readonly Buffer[]): AsyncIterable<Uint8Array> {
  return (async function* () {
    for (const c of chunks) yield c;
    const err = new Error('aborted') as NodeJS.ErrnoException;
    err.code = 'ECONNRESET';
    throw err;
  })();
}

export function streamOf(chunks: readonly Buffer[]): AsyncIterable<Uint8Array> {
  return Readable.from(chunks);
}

/** The text of the first `<name>` element. */
export function xml(body: Buffer | string, name: string): string | undefined {
  const text = body.toString();
  const open = `<${name}>`;
  const start = text.indexOf(open);
  if (start < 0) return undefined;
  const end = text.indexOf(`</${name}>`, start);
  return end < 0 ? undefined : text.slice(start + open.length, end);
}

/** Every `<name>` element's text, in order. */
export function xmlAll(body: Buffer | string, name: string): string[] {
  const text = body.toString();
  const out: string[] = [];
  const open = `<${name}>`;
  let at = 0;
  for (;;) {
    const start = text.indexOf(open, at);
    if (start < 0) return out;
    const end = text.indexOf(`</${name}>`, start);
    out.push(text.slice(start + open.length, end));
    at = end;
  }
}

export function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!);
}
