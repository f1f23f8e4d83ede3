/**
 * Raw TCP requests: the hostile-input and limits tests must send bytes node:http refuses to
 * produce (bad request targets, oversized headers, lying Content-Length, slow trickles).
 */
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /** Every byte received (may hold more than one response). */
  readonly raw: Buffer;
  /** True when the server closed the connection. */
  readonly closed: boolean;
  /** True when no complete response arrived before the timeout. */
  readonly timedOut: boolean;
}

/** Parses the first complete HTTP/1.1 response in `buf`; undefined when incomplete. */
export function parseResponse(buf: Buffer, headRequest = false): { status: number; headers: Record<string, string>; body: Buffer; length: number } | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const head = buf.subarray(0, end).toString('latin1');
  const lines = head.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!m) throw new Error(`not an HTTP response: ${JSON.stringify(head.slice(0, 200))}`);
  const status = Number(m[1]);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) {
      const name = l.slice(0, i).trim().toLowerCase();
      const v = l.slice(i + 1).trim();
      headers[name] = headers[name] === undefined ? v : `${headers[name]}, ${v}`;
    }
  }
  const bodyStart = end + 4;
  if (headRequest || status === 204 || status === 304 || (status >= 100 && status < 200)) {
    return { status, headers, body: Buffer.alloc(0), length: bodyStart };
  }
  if (headers['transfer-encoding']?.toLowerCase().includes('chunked')) {
    let p = bodyStart;
    const parts: Buffer[] = [];
    for (;;) {
      const le = buf.indexOf('\r\n', p);
      if (le < 0) return undefined;
      const size = Number.parseInt(buf.subarray(p, le).toString('latin1'), 16);
      if (!Number.isFinite(size)) throw new Error('bad chunk size');
      p = le + 2;
      if (size === 0) {
        const te = buf.indexOf('\r\n', p);
        if (te < 0) return undefined;
        return { status, headers, body: Buffer.concat(parts), length: te + 2 };
      }
      if (buf.length < p + size + 2) return undefined;
      parts.push(buf.subarray(p, p + size));
      p += size + 2;
    }
  }
  if (headers['content-length'] !== undefined) {
    const n = Number(headers['content-length']);
    if (buf.length < bodyStart + n) return undefined;
    return { status, headers, body: buf.subarray(bodyStart, bodyStart + n), length: bodyStart + n };
  }
  return undefined; // body delimited by close: complete only when the socket ends
}

export interface RawOptions {
  readonly timeoutMs?: number;
  readonly headRequest?: boolean;
  /** Keep reading until close instead of returning at the first complete response. */
  readonly untilClose?: boolean;
  /** Half-close (FIN) after writing. */
  readonly endAfterWrite?: boolean;
}

/** Sends `data` on a fresh connection and returns the first response (or what happened). */
export function rawRequest(port: number, data: Buffer | string | ReadonlyArray<Buffer | string>, opts: RawOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (closed: boolean, timedOut: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const raw = Buffer.concat(chunks);
      let parsed: ReturnType<typeof parseResponse>;
      try {
        parsed = parseResponse(raw, opts.headRequest);
        if (!parsed && closed && raw.length) {
          // close-delimited body
          const end = raw.indexOf('\r\n\r\n');
          const p0 = parseResponse(Buffer.concat([raw.subarray(0, end + 4)]), true);
          if (p0) parsed = { ...p0, body: raw.subarray(end + 4), length: raw.length };
        }
      } catch (err) {
        sock.destroy();
        reject(err);
        return;
      }
      sock.destroy();
      resolve({ status: parsed?.status ?? 0, headers: parsed?.headers ?? {}, body: parsed?.body ?? Buffer.alloc(0), raw, closed, timedOut });
    };
    const timer = setTimeout(() => finish(false, true), opts.timeoutMs ?? 10_000);
    sock.on('data', (c: Buffer) => {
      chunks.push(c);
      if (!opts.untilClose) {
        try {
          if (parseResponse(Buffer.concat(chunks), opts.headRequest)) finish(false, false);
        } catch {
          // leave to finish()
        }
      }
    });
    sock.on('end', () => finish(true, false));
    sock.on('close', () => finish(true, false));
    sock.on('error', () => finish(true, false));
    sock.on('connect', () => {
      const parts = Array.isArray(data) ? data : [data];
      for (const p of parts) sock.write(p as Buffer | string);
      if (opts.endAfterWrite) sock.end();
    });
  });
}

/** An open connection the caller drives by hand (slowloris, stalled readers). */
export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** True when `body` looks like an OSS error document: `<Error>…<Code>X</Code>…`. */
export function ossErrorCode(body: Buffer): string | undefined {
  const s = body.toString('utf8');
  if (!s.includes('<Error>')) return undefined;
  const m = /<Code>([^<]+)<\/Code>/.exec(s);
  return m?.[1];
}

/** Serialises one HTTP/1.1 request exactly as given (no validation: that is the point). */
export function buildRequest(
  method: string,
  target: string,
  headers: ReadonlyArray<readonly [string, string]>,
  body?: Buffer,
  opts: { host?: string; contentLength?: boolean; close?: boolean } = {},
): Buffer {
  let head = `${method} ${target} HTTP/1.1\r\n`;
  if (opts.host !== '') head += `Host: ${opts.host ?? '127.0.0.1'}\r\n`;
  for (const [n, v] of headers) head += `${n}: ${v}\r\n`;
  if (body && opts.contentLength !== false) head += `Content-Length: ${body.length}\r\n`;
  if (opts.close !== false) head += 'Connection: close\r\n';
  head += '\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), body ?? Buffer.alloc(0)]);
}
