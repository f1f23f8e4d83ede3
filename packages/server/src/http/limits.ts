/**
 * Connection and request limits of the HTTP listener (docs/operations.md, "Limits and
 * timeouts"): how many connections, how long a client may take to send its headers, its whole
 * request, or nothing at all, how long an idle keep-alive connection stays, and how large and
 * how many header fields a request may carry. Each is a `pail serve` flag and a PAIL_* variable;
 * the reliability suite (test/reliability/limits.test.ts) exercises every one of them.
 */
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import { newRequestId } from '../core.js';
import { OssError } from '../errors/oss-error.js';
import { errorXml } from '../errors/render.js';
import { httpDate } from '../protocol/headers.js';

export interface HttpLimits {
  /** Open connections beyond this are closed at once (Node `server.maxConnections`); 0 = no limit. */
  readonly maxConnections: number;
  /** The request line and headers must arrive within this (slowloris). */
  readonly headersTimeoutMs: number;
  /** The whole request (headers and body) must arrive within this; 0 = no limit. */
  readonly requestTimeoutMs: number;
  /** A connection with no traffic in either direction for this long is dropped (a stalled upload or download); 0 = never. */
  readonly idleTimeoutMs: number;
  /** An idle keep-alive connection between requests is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** Request line plus header fields, in bytes (Node `maxHeaderSize`). */
  readonly maxHeaderSize: number;
  /** Header fields per request. */
  readonly maxHeaders: number;
}

export const DEFAULT_LIMITS: HttpLimits = {
  maxConnections: 4096,
  // ali-oss keeps idle sockets for 15 s (agentkeepalive freeSocketTimeout): keep-alive stays
  // above it (alioss-wire §1.3), and the headers timeout above keep-alive, or Node may cut a
  // reused socket while the next request's headers arrive.
  keepAliveTimeoutMs: 30_000,
  headersTimeoutMs: 35_000,
  // A 5 GB PutObject (the OSS maximum) needs about 1.4 MB/s to finish within an hour.
  requestTimeoutMs: 3_600_000,
  idleTimeoutMs: 120_000,
  maxHeaderSize: 16 * 1024,
  maxHeaders: 200,
};

type LimitKind = 'seconds' | 'count' | 'bytes';

/** `pail serve` flag → config field; each also as PAIL_<FLAG_IN_CAPS> (e.g. PAIL_IDLE_TIMEOUT). */
export const LIMIT_FLAGS = {
  'max-connections': { field: 'maxConnections', kind: 'count', zeroOk: true },
  'headers-timeout': { field: 'headersTimeoutMs', kind: 'seconds', zeroOk: false },
  'request-timeout': { field: 'requestTimeoutMs', kind: 'seconds', zeroOk: true },
  'idle-timeout': { field: 'idleTimeoutMs', kind: 'seconds', zeroOk: true },
  'keep-alive-timeout': { field: 'keepAliveTimeoutMs', kind: 'seconds', zeroOk: false },
  'max-header-size': { field: 'maxHeaderSize', kind: 'bytes', zeroOk: false },
  'max-headers': { field: 'maxHeaders', kind: 'count', zeroOk: false },
} as const satisfies Record<string, { field: keyof HttpLimits; kind: LimitKind; zeroOk: boolean }>;

export type LimitFlag = keyof typeof LIMIT_FLAGS;

export function limitEnvName(flag: LimitFlag): string {
  return `PAIL_${flag.toUpperCase().replace(/-/g, '_')}`;
}

/** Parses one limit value (seconds may be fractional); returns the field value or an error message. */
export function parseLimit(flag: LimitFlag, raw: string): number | string {
  const spec = LIMIT_FLAGS[flag];
  const v = raw.trim();
  const unit = spec.kind === 'seconds' ? 'seconds' : spec.kind === 'bytes' ? 'bytes' : 'a count';
  const ok = spec.kind === 'seconds' ? /^\d+(\.\d+)?$/.test(v) : /^\d+$/.test(v);
  const n = Number(v);
  if (!ok || !Number.isFinite(n) || (n === 0 && !spec.zeroOk)) {
    return `must be ${spec.zeroOk ? 'a non-negative' : 'a positive'} number (${unit}${spec.zeroOk ? ', 0 = no limit' : ''}), got ${JSON.stringify(raw)}`;
  }
  const value = spec.kind === 'seconds' ? Math.round(n * 1000) : n;
  if (!Number.isSafeInteger(value)) return `is too large: ${JSON.stringify(raw)}`;
  if (spec.kind === 'bytes' && (value < 1024 || value > 1024 * 1024)) return `must be between 1024 and 1048576 bytes, got ${value}`;
  return value;
}

/** Fills defaults and checks a (possibly programmatic) partial set of limits. */
export function normalizeLimits(partial: Partial<HttpLimits> | undefined): HttpLimits {
  const l = { ...DEFAULT_LIMITS, ...(partial ?? {}) };
  for (const [flag, spec] of Object.entries(LIMIT_FLAGS)) {
    const v = l[spec.field];
    if (!Number.isSafeInteger(v) || v < 0 || (v === 0 && !spec.zeroOk)) throw new Error(`pail serve: ${spec.field} (--${flag}) is invalid: ${v}`);
  }
  return l;
}

/**
 * Options that must be given when the server is created. Node checks the headers and request
 * timeouts every `connectionsCheckingInterval` (30 s by default, which would let a 2 s headers
 * timeout hold a slow connection for half a minute).
 */
export function serverOptions(l: HttpLimits): ServerOptions {
  const shortest = Math.min(l.headersTimeoutMs, l.requestTimeoutMs || Number.POSITIVE_INFINITY);
  return {
    // Node would answer an HTTP/1.1 request without Host with a bare 400 of its own;
    // refusal() gives the same 400 as an OSS error document.
    requireHostHeader: false,
    maxHeaderSize: l.maxHeaderSize,
    connectionsCheckingInterval: Math.max(250, Math.min(5000, Math.floor(shortest / 4))),
    headersTimeout: l.headersTimeoutMs,
    requestTimeout: l.requestTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
  };
}

/** The limits Node applies after creation. */
export function applyLimits(server: Server, l: HttpLimits): void {
  server.keepAliveTimeout = l.keepAliveTimeoutMs;
  server.headersTimeout = l.headersTimeoutMs;
  server.requestTimeout = l.requestTimeoutMs;
  // No 'timeout' listener: Node destroys a socket idle for this long. A download whose client
  // stopped reading is idle too (the writes cannot progress), so its object lease is released.
  server.timeout = l.idleTimeoutMs;
  if (l.maxConnections > 0) server.maxConnections = l.maxConnections;
  // Node silently drops header fields beyond maxHeadersCount; one more than the limit lets
  // tooManyHeaders() see the overflow and refuse the request instead.
  server.maxHeadersCount = l.maxHeaders + 1;
}

/**
 * What the listener refuses before the core sees the request: more header fields than allowed,
 * and an HTTP/1.1 request without Host (RFC 9112 §3.2: 400).
 */
export function refusal(req: IncomingMessage, l: HttpLimits): OssError | undefined {
  if (req.rawHeaders.length > 2 * l.maxHeaders) {
    return new OssError('InvalidArgument', { message: `The request has more than ${l.maxHeaders} header fields.`, ec: '0016-00000104' });
  }
  if (req.headers.host === undefined && req.httpVersion === '1.1') {
    return new OssError('InvalidArgument', { message: 'An HTTP/1.1 request must carry a Host header.', ec: '0016-00000105' });
  }
  return undefined;
}

/** Answers `err` (from refusal()) as an OSS error document; the connection closes. */
export function refuse(req: IncomingMessage, res: ServerResponse, err: OssError, now: number): void {
  const requestId = newRequestId();
  const xml = Buffer.from(errorXml(err, { requestId, hostId: String(req.headers.host ?? ''), method: req.method ?? 'GET' }), 'utf8');
  res.sendDate = false;
  res.writeHead(err.status, {
    Server: 'AliyunOSS',
    Date: httpDate(now),
    'x-oss-request-id': requestId,
    'x-oss-ec': err.ec,
    'Content-Type': 'application/xml',
    'Content-Length': req.method === 'HEAD' ? '0' : String(xml.length),
    ...(req.method === 'HEAD' ? { 'x-oss-err': xml.toString('base64') } : {}),
    Connection: 'close',
  });
  res.end(req.method === 'HEAD' ? undefined : xml);
}
