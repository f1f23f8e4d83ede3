/**
 * The wire layer: one signed OSS request over node:http(s), streaming both ways, plus the
 * OSS error decoding (oss-signature.md §4). Everything above this file speaks in operations.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Connection, Credentials } from './config.js';
import { OssError } from './errors.js';
import type { Query } from './signing.js';
import { signForSend } from './signing.js';
import { childText, parseXml } from './xml.js';

export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD';

export interface OssRequest {
  readonly method: Method;
  /** null/undefined for service-level requests (ListBuckets). */
  readonly bucket?: string | null;
  readonly key?: string;
  readonly query?: Query;
  /** Extra headers (lower-case names). Content-Type, Content-MD5 and x-oss-* get signed (§2.1.4). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Body: bytes, or a factory returning a fresh stream (called again on a retry). Streams need
   * `contentLength`: OSS wants a Content-Length, and it keeps memory flat.
   */
  readonly body?: Buffer | string | (() => Readable);
  readonly contentLength?: number;
  /** Statuses that are not errors for this call (default: 2xx). */
  readonly okStatus?: (status: number) => boolean;
}

export interface Transport {
  readonly conn: Connection;
  readonly creds: Credentials;
  /** Sends a request; resolves with the (unconsumed) response when its status is OK. */
  send(req: OssRequest): Promise<IncomingMessage>;
  close(): void;
}

/** Idempotent statuses worth one more try: the server or a proxy hiccupped. */
const RETRY_STATUS = new Set([500, 502, 503, 504]);
const RETRY_ERRNO = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN']);
const ATTEMPTS = 3;

export function createTransport(conn: Connection, creds: Credentials, maxSockets = 8): Transport {
  const mod = conn.endpoint.protocol === 'https' ? https : http;
  const agent = new mod.Agent({ keepAlive: true, maxSockets });

  const once = (req: OssRequest): Promise<IncomingMessage> => {
    const headers: Record<string, string> = { ...req.headers };
    let body: Buffer | Readable | undefined;
    if (typeof req.body === 'function') {
      body = req.body();
      headers['content-length'] = String(req.contentLength ?? 0);
    } else if (req.body !== undefined) {
      body = typeof req.body === 'string' ? Buffer.from(req.body) : req.body;
      headers['content-length'] = String(body.length);
    } else if (req.method === 'PUT' || req.method === 'POST') {
      headers['content-length'] = '0';
    }
    const target = signForSend(conn, creds, {
      method: req.method,
      bucket: req.bucket ?? null,
      key: req.key ?? '',
      query: req.query ?? [],
      headers,
    });
    return new Promise<IncomingMessage>((resolve, reject) => {
      const r = mod.request({
        agent,
        method: req.method,
        // IPv6 literals come bracketed in the Host form; the socket wants them bare.
        host: target.hostname.replace(/^\[|\]$/g, ''),
        port: target.port,
        path: target.path,
        headers: { ...target.headers, host: target.host },
      });
      r.on('response', resolve);
      r.on('error', (e) => {
        if (body !== undefined && !Buffer.isBuffer(body)) body.destroy();
        reject(e);
      });
      if (body === undefined) r.end();
      else if (Buffer.isBuffer(body)) r.end(body);
      else {
        body.on('error', (e) => r.destroy(e));
        body.pipe(r);
      }
    });
  };

  const send = async (req: OssRequest): Promise<IncomingMessage> => {
    const ok = req.okStatus ?? ((s: number) => s >= 200 && s < 300);
    for (let attempt = 1; ; attempt++) {
      let res: IncomingMessage;
      try {
        res = await once(req);
      } catch (e) {
        if (attempt < ATTEMPTS && RETRY_ERRNO.has((e as NodeJS.ErrnoException).code ?? '')) {
          await sleep(200 * attempt);
          continue;
        }
        throw e;
      }
      if (ok(res.statusCode ?? 0)) return res;
      if (attempt < ATTEMPTS && RETRY_STATUS.has(res.statusCode ?? 0)) {
        res.resume();
        await sleep(200 * attempt);
        continue;
      }
      throw await errorFromResponse(res, req.method);
    }
  };

  return { conn, creds, send, close: () => agent.destroy() };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Reads at most `limit` bytes of a response body (error documents, listings). */
export async function readBody(res: IncomingMessage, limit = 16 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      res.destroy();
      throw new Error(`response body larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const STATUS_CODES: Record<number, string> = { 403: 'AccessDenied', 404: 'NoSuchKey', 412: 'PreconditionFailed', 416: 'InvalidRange' };

/**
 * Turns an error response into an OssError: the XML body, or for HEAD (no body) the base64 XML
 * in `x-oss-err`, else `x-oss-ec`/`x-oss-request-id` and a code guessed from the status the way
 * ali-oss does (§4.1).
 */
export async function errorFromResponse(res: IncomingMessage, method: string): Promise<OssError> {
  const status = res.statusCode ?? 0;
  const requestId = header(res, 'x-oss-request-id');
  let doc = '';
  if (method === 'HEAD') {
    res.resume();
    const err = header(res, 'x-oss-err');
    if (err) doc = Buffer.from(err, 'base64').toString('utf8');
  } else {
    try {
      doc = await readBody(res, 1024 * 1024);
    } catch {
      doc = '';
    }
  }
  if (doc.includes('<Error')) {
    try {
      const root = parseXml(doc);
      return new OssError(
        status,
        childText(root, 'Code') ?? `HTTP${status}`,
        childText(root, 'Message') ?? '',
        childText(root, 'RequestId') ?? requestId,
        childText(root, 'EC') ?? header(res, 'x-oss-ec'),
      );
    } catch {
      // fall through: not the XML we hoped for
    }
  }
  const code = STATUS_CODES[status] ?? `HTTP${status}`;
  const text = doc.trim().slice(0, 200) || res.statusMessage || '';
  return new OssError(status, code, text, requestId, header(res, 'x-oss-ec'));
}

export function header(res: IncomingMessage, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}
