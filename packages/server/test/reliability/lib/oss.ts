/**
 * A minimal OSS client for the harnesses: real sockets (node:http), V4 header auth from the
 * independent signer in `sig.ts`, no retries, no response interpretation beyond what a test needs.
 * `request` never throws for an HTTP status, only for transport errors.
 */
import { createHash } from 'node:crypto';
import { Agent, type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import type { Readable } from 'node:stream';
import { type Credentials, presignV1Query, presignV4Query, type Query, queryString, requestPath, signV1Header, signV4Header } from './sig.js';

export interface OssRequest {
  readonly method: string;
  readonly bucket: string | null;
  readonly key?: string;
  readonly query?: Query;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | Readable | AsyncIterable<Uint8Array>;
  /** Default 'v4'. */
  readonly auth?: 'v4' | 'v1' | 'none';
  readonly timeoutMs?: number;
  /** Per-request agent (e.g. `false` for a dedicated connection). */
  readonly agent?: Agent | false;
  readonly signal?: AbortSignal;
}

export interface OssResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export class HttpStatusError extends Error {
  constructor(
    readonly op: string,
    readonly response: OssResponse,
  ) {
    super(`${op}: HTTP ${response.status} ${xmlTag(response.body.toString('utf8'), 'Code') ?? ''} ${response.body.toString('utf8').slice(0, 300)}`);
  }
}

/** First `<tag>` text, entity-decoded (enough for OSS response documents). */
export function xmlTag(xml: string, tag: string): string | undefined {
  const open = `<${tag}>`;
  const i = xml.indexOf(open);
  if (i < 0) return undefined;
  const j = xml.indexOf(`</${tag}>`, i);
  if (j < 0) return undefined;
  return xmlUnescape(xml.slice(i + open.length, j));
}

/** Every `<tag>…</tag>` block. */
export function xmlBlocks(xml: string, tag: string): string[] {
  const out: string[] = [];
  const open = `<${tag}>`;
  const close = `</${tag}>`;
  let i = xml.indexOf(open);
  while (i >= 0) {
    const j = xml.indexOf(close, i);
    if (j < 0) break;
    out.push(xml.slice(i + open.length, j));
    i = xml.indexOf(open, j);
  }
  return out;
}

export function xmlUnescape(s: string): string {
  return s
    .replace(/&#x([0-9a-fA-F]+);/g, (_, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number.parseInt(d, 10)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
}

export class OssClient {
  readonly agent: Agent;
  constructor(
    readonly host: string,
    readonly port: number,
    readonly creds: Credentials,
    readonly region: string,
    opts: { maxSockets?: number; keepAlive?: boolean } = {},
  ) {
    this.agent = new Agent({ keepAlive: opts.keepAlive ?? true, maxSockets: opts.maxSockets ?? 64 });
  }

  static forUrl(url: string, creds: Credentials, region: string, opts: { maxSockets?: number; keepAlive?: boolean } = {}): OssClient {
    const m = /^http:\/\/([^:/]+):(\d+)/.exec(url);
    if (!m) throw new Error(`bad url ${url}`);
    return new OssClient(m[1]!, Number(m[2]), creds, region, opts);
  }

  close(): void {
    this.agent.destroy();
  }

  /** Path + query of a request (path-style addressing). */
  target(bucket: string | null, key: string, query: Query): string {
    const qs = queryString(query);
    return requestPath(bucket, key) + (qs ? `?${qs}` : '');
  }

  signedHeaders(r: OssRequest): Record<string, string> {
    const headers: Record<string, string> = { ...(r.headers ?? {}) };
    const auth = r.auth ?? 'v4';
    if (auth === 'v4') {
      Object.assign(
        headers,
        signV4Header(this.creds, { method: r.method, bucket: r.bucket, key: r.key ?? '', query: r.query ?? [], headers, region: this.region, now: Date.now() }),
      );
    } else if (auth === 'v1') {
      Object.assign(headers, signV1Header(this.creds, { method: r.method, bucket: r.bucket, key: r.key ?? '', query: r.query ?? [], headers, now: Date.now() }));
    }
    return headers;
  }

  request(r: OssRequest): Promise<OssResponse> {
    const headers = this.signedHeaders(r);
    const path = this.target(r.bucket, r.key ?? '', r.query ?? []);
    return rawHttp({ host: this.host, port: this.port, method: r.method, path, headers, body: r.body, agent: r.agent ?? this.agent, timeoutMs: r.timeoutMs, signal: r.signal });
  }

  /** A presigned V4 URL path (+query) for path-style requests. */
  presignV4(method: string, bucket: string, key: string, expires = 3600, query: Query = [], headers: Record<string, string> = {}, now = Date.now()): string {
    const q = presignV4Query(this.creds, { method, bucket, key, query, headers, region: this.region, now, expires });
    return this.target(bucket, key, q);
  }

  presignV1(method: string, bucket: string, key: string, expiresAt = Math.floor(Date.now() / 1000) + 3600, query: Query = []): string {
    const q = presignV1Query(this.creds, { method, bucket, key, query, expiresAt });
    return this.target(bucket, key, q);
  }

  async ok(op: string, r: OssRequest, expect: readonly number[] = [200]): Promise<OssResponse> {
    const res = await this.request(r);
    if (!expect.includes(res.status)) throw new HttpStatusError(op, res);
    return res;
  }

  // ---- Operations the harnesses use (OSS names) ----

  async putBucket(bucket: string, acl?: string): Promise<void> {
    await this.ok('PutBucket', { method: 'PUT', bucket, headers: acl ? { 'x-oss-acl': acl } : {} });
  }

  putObject(bucket: string, key: string, body: Buffer, headers: Record<string, string> = {}): Promise<OssResponse> {
    return this.request({ method: 'PUT', bucket, key, body, headers: { 'content-length': String(body.length), ...headers } });
  }

  getObject(bucket: string, key: string, headers: Record<string, string> = {}): Promise<OssResponse> {
    return this.request({ method: 'GET', bucket, key, headers });
  }

  headObject(bucket: string, key: string): Promise<OssResponse> {
    return this.request({ method: 'HEAD', bucket, key });
  }

  deleteObject(bucket: string, key: string): Promise<OssResponse> {
    return this.request({ method: 'DELETE', bucket, key });
  }

  /** Every object under `prefix` (ListObjectsV2, following continuation tokens). */
  async listAll(bucket: string, prefix = ''): Promise<ListedObject[]> {
    const out: ListedObject[] = [];
    let token: string | undefined;
    for (let page = 0; page < 10_000; page++) {
      const query: Array<readonly [string, string | null]> = [
        ['list-type', '2'],
        ['max-keys', '1000'],
        ['prefix', prefix],
      ];
      if (token) query.push(['continuation-token', token]);
      const res = await this.ok('ListObjectsV2', { method: 'GET', bucket, query });
      const xml = res.body.toString('utf8');
      for (const c of xmlBlocks(xml, 'Contents')) {
        out.push({ key: xmlTag(c, 'Key') ?? '', size: Number(xmlTag(c, 'Size')), etag: (xmlTag(c, 'ETag') ?? '').replace(/"/g, '') });
      }
      if (xmlTag(xml, 'IsTruncated') !== 'true') return out;
      token = xmlTag(xml, 'NextContinuationToken');
      if (!token) throw new Error('ListObjectsV2: truncated without NextContinuationToken');
    }
    throw new Error('ListObjectsV2: too many pages');
  }

  async initiateMultipart(bucket: string, key: string, headers: Record<string, string> = {}): Promise<string> {
    const res = await this.ok('InitiateMultipartUpload', { method: 'POST', bucket, key, query: [['uploads', null]], headers });
    const id = xmlTag(res.body.toString('utf8'), 'UploadId');
    if (!id) throw new Error('InitiateMultipartUpload: no UploadId');
    return id;
  }

  uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: Buffer): Promise<OssResponse> {
    return this.request({
      method: 'PUT',
      bucket,
      key,
      query: [
        ['partNumber', String(partNumber)],
        ['uploadId', uploadId],
      ],
      body,
      headers: { 'content-length': String(body.length) },
    });
  }

  completeMultipart(bucket: string, key: string, uploadId: string, parts: ReadonlyArray<{ partNumber: number; etag: string }>): Promise<OssResponse> {
    const body = Buffer.from(
      '<CompleteMultipartUpload>' +
        parts.map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>"${p.etag}"</ETag></Part>`).join('') +
        '</CompleteMultipartUpload>',
    );
    return this.request({ method: 'POST', bucket, key, query: [['uploadId', uploadId]], body, headers: { 'content-length': String(body.length), 'content-type': 'application/xml' } });
  }

  abortMultipart(bucket: string, key: string, uploadId: string): Promise<OssResponse> {
    return this.request({ method: 'DELETE', bucket, key, query: [['uploadId', uploadId]] });
  }

  appendObject(bucket: string, key: string, position: number, body: Buffer, headers: Record<string, string> = {}): Promise<OssResponse> {
    return this.request({
      method: 'POST',
      bucket,
      key,
      query: [
        ['append', null],
        ['position', String(position)],
      ],
      body,
      headers: { 'content-length': String(body.length), ...headers },
    });
  }

  copyObject(bucket: string, key: string, srcBucket: string, srcKey: string, headers: Record<string, string> = {}): Promise<OssResponse> {
    return this.request({
      method: 'PUT',
      bucket,
      key,
      headers: { 'x-oss-copy-source': `/${srcBucket}/${encodeURIComponent(srcKey).replace(/%2F/g, '/')}`, ...headers },
    });
  }

  deleteMultiple(bucket: string, keys: readonly string[], quiet = false): Promise<OssResponse> {
    const body = Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?><Delete><Quiet>${quiet}</Quiet>` + keys.map((k) => `<Object><Key>${xmlEscape(k)}</Key></Object>`).join('') + '</Delete>',
    );
    return this.request({
      method: 'POST',
      bucket,
      query: [['delete', null]],
      body,
      headers: { 'content-length': String(body.length), 'content-md5': createHash('md5').update(body).digest('base64'), 'content-type': 'application/xml' },
    });
  }

  putObjectAcl(bucket: string, key: string, acl: string): Promise<OssResponse> {
    return this.request({ method: 'PUT', bucket, key, query: [['acl', null]], headers: { 'x-oss-object-acl': acl } });
  }

  async getObjectAcl(bucket: string, key: string): Promise<string | undefined> {
    const res = await this.request({ method: 'GET', bucket, key, query: [['acl', null]] });
    if (res.status !== 200) return undefined;
    return xmlTag(res.body.toString('utf8'), 'Grant');
  }
}

export interface RawHttpOptions {
  readonly host: string;
  readonly port: number;
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | Readable | AsyncIterable<Uint8Array>;
  readonly agent?: Agent | false;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Stop collecting the body after this many bytes (count the rest). */
  readonly maxBody?: number;
}

/** One HTTP request over node:http; the whole body collected. */
export function rawHttp(o: RawHttpOptions): Promise<OssResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: o.host, port: o.port, method: o.method, path: o.path, headers: o.headers, agent: o.agent, signal: o.signal },
      (res) => {
        const chunks: Buffer[] = [];
        let n = 0;
        res.on('data', (c: Buffer) => {
          if (o.maxBody === undefined || n < o.maxBody) chunks.push(c);
          n += c.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('response aborted')));
      },
    );
    req.on('error', reject);
    if (o.timeoutMs) req.setTimeout(o.timeoutMs, () => req.destroy(new Error(`timeout after ${o.timeoutMs} ms: ${o.method} ${o.path.slice(0, 120)}`)));
    const body = o.body;
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      (async () => {
        try {
          for await (const chunk of body as AsyncIterable<Uint8Array>) {
            if (!req.write(chunk)) await new Promise<void>((r) => req.once('drain', r));
          }
          req.end();
        } catch (err) {
          req.destroy(err as Error);
        }
      })();
    }
  });
}
