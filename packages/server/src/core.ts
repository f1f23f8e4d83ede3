/**
 * The core: one fixed pipeline from a raw request to a response, independent of Node's http
 * (src/http/ is a thin adapter; most tests call `handle` in-process):
 *
 *   route (protocol/: address, operation name, access pairs) → authenticate (@pail/sign/verify)
 *   → authorize (auth/, deny by default) → parse arguments (`route.args()`)
 *   → handler (handlers/, never re-checks auth) → storage → response rendering
 *
 * Errors from any stage go through errors/map.ts and errors/render.ts. Existence rule: a
 * caller denied the action gets 403 whether or not the bucket or key exists; only a caller
 * allowed to act learns NoSuchBucket / NoSuchKey, or that its arguments are wrong.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { authenticate } from './auth/authenticate.js';
import { type Authorizer, authorize, DEFAULT_AUTHORIZERS, type ResourceState } from './auth/authorize.js';
import type { AccessKeyStore, Principal } from './auth/keys.js';
import { type Clock, systemClock } from './clock.js';
import { toOssError } from './errors/map.js';
import { OssError } from './errors/oss-error.js';
import { renderError } from './errors/render.js';
import type { HandlerContext, HandlerResult, RequestObjects } from './handlers/context.js';
import { corsHeadersFor, preflight } from './handlers/cors.js';
import { dispatch } from './handlers/index.js';
import { type Logger, redactTarget, silentLogger } from './log.js';
import { type AccessPair, parseResource } from './protocol/access.js';
import { header, httpDate, type RequestHeaders } from './protocol/headers.js';
import type { Operation } from './protocol/operations.js';
import { type ParsedRequest, parseRequest } from './protocol/request.js';
import type { BucketRecord, ObjectReader, ObjectRecord, Storage } from './storage/types.js';

/** A request as the core sees it: the raw target (never a parsed URL), headers, a body stream. */
export interface CoreRequest {
  readonly method: string;
  /** The request target exactly as received (`req.url`). */
  readonly rawTarget: string;
  /** Lower-case names; values as Node delivers them (latin1 strings of the wire octets). */
  readonly headers: RequestHeaders;
  readonly body: AsyncIterable<Uint8Array>;
  readonly remote?: { readonly address?: string; readonly port?: number };
  /** Aborted when the client goes away mid-request. */
  readonly signal?: AbortSignal;
}

export interface ResponseOutcome {
  /** Body bytes actually written. */
  readonly bytesSent?: number;
  /** Set when writing failed or the client went away. */
  readonly error?: unknown;
}

export interface CoreResponse {
  readonly status: number;
  /** Header names in their canonical case (`x-oss-request-id`, `Content-Type`, `ETag`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Buffer (known length), a stream of the object's bytes, or null (no body: HEAD, 204, 304). */
  readonly body: Buffer | Readable | null;
  readonly requestId: string;
  /** The OSS operation name (for logs and tests), `Unknown` when parsing failed. */
  readonly operation: string;
  /**
   * Must be called exactly once after the body was written or abandoned: releases the object
   * lease (so blob deletion can proceed) and writes the access-log line.
   */
  done(outcome?: ResponseOutcome): void;
}

export interface CoreOptions {
  /** The bare region served (`cn-hangzhou`), checked against V4 credentials. */
  readonly region: string;
  /** Base domains for virtual-hosted style (lower-case); see config.ts. */
  readonly domains: readonly string[];
  readonly keys: AccessKeyStore;
  readonly clock?: Clock;
  readonly log?: Logger;
  /** Storage may be attached later (`setStorage`): until then only `/-/health` answers 200. */
  readonly storage?: Storage;
  readonly authorizers?: readonly Authorizer[];
}

export interface Core {
  handle(req: CoreRequest): Promise<CoreResponse>;
  /** Storage opened and recovered, and not shutting down. */
  readonly ready: boolean;
  readonly storage: Storage | undefined;
  readonly keys: AccessKeyStore;
  readonly clock: Clock;
  readonly region: string;
  readonly domains: readonly string[];
  /** Requests from arrival until their response called `done`. */
  readonly inFlight: number;
  setStorage(storage: Storage): void;
  /** Readiness goes false (`/-/ready` → 503); requests in flight continue. */
  beginShutdown(): void;
  /**
   * Stops taking requests (503), waits up to `timeoutMs` (default 10 s) for those in flight to
   * finish (their responses' `done`), then for pending blob deletions, then closes storage.
   */
  close(options?: { readonly timeoutMs?: number }): Promise<void>;
}

const ID_BYTES = 12;
const ID_POOL = 512;
let idPool = Buffer.alloc(0);
let idOffset = 0;

/**
 * 24 upper-case hex characters, like OSS request ids (oss-signature.md §4.1). Random bytes are
 * drawn from the CSPRNG in batches: one syscall per 512 requests instead of one per request.
 */
export function newRequestId(): string {
  if (idOffset + ID_BYTES > idPool.length) {
    idPool = randomBytes(ID_BYTES * ID_POOL);
    idOffset = 0;
  }
  const id = idPool.toString('hex', idOffset, idOffset + ID_BYTES).toUpperCase();
  idOffset += ID_BYTES;
  return id;
}

/** `Date` is cached per second: formatting it on every request is measurable on the hot path. */
function dateHeaderCache(): (ms: number) => string {
  let second = -1;
  let value = '';
  return (ms) => {
    const s = Math.floor(ms / 1000);
    if (s !== second) {
      second = s;
      value = httpDate(ms);
    }
    return value;
  };
}

function accessDenied(principal: Principal, pair: AccessPair): OssError {
  const r = parseResource(pair.resource);
  if (principal.kind === 'anonymous' && (!r || r.kind === 'service')) {
    return new OssError('AccessDenied', { message: 'Anonymous access is forbidden for this operation.' });
  }
  if (r?.kind === 'object') return new OssError('AccessDenied', { message: 'You have no right to access this object because of bucket acl.' });
  return new OssError('AccessDenied', { message: 'You have no right to access this bucket.' });
}

interface RequestState extends ResourceState, RequestObjects {
  /** Releases the readers opened for authorization that no handler took (a denied request's). */
  releaseUnused(): void;
}

/**
 * What authorization and the handler read, fetched lazily and once per request: buckets and
 * object records. With `leaseObjects` (GetObject), an object the ACL authorizer looks up is
 * opened as a leased reader right away, and the handler takes that reader (`open`) instead of
 * reading the row a second time; readers nobody took are released by `releaseUnused`.
 */
function requestState(storage: Storage, leaseObjects: boolean): RequestState {
  const buckets = new Map<string, Promise<BucketRecord | undefined>>();
  const records = new Map<string, Promise<ObjectRecord | undefined>>();
  const readers = new Map<string, Promise<ObjectReader | undefined>>();
  const record = (bucket: string, key: string): Promise<ObjectRecord | undefined> => {
    const id = `${bucket}/${key}`;
    let p = records.get(id);
    if (!p) {
      if (leaseObjects) {
        const reader = storage.openObject(bucket, key);
        readers.set(id, reader);
        p = reader.then((r) => r?.record);
      } else {
        p = storage.metadata.getObject(bucket, key);
      }
      records.set(id, p);
    }
    return p;
  };
  return {
    bucket(name) {
      let p = buckets.get(name);
      if (!p) {
        p = storage.metadata.getBucket(name);
        buckets.set(name, p);
      }
      return p;
    },
    objectAcl: (bucket, key) => record(bucket, key).then((o) => o?.acl),
    record,
    open(bucket, key) {
      const id = `${bucket}/${key}`;
      const reader = readers.get(id);
      if (reader === undefined) return storage.openObject(bucket, key);
      readers.delete(id);
      return reader;
    },
    releaseUnused() {
      for (const reader of readers.values()) {
        reader.then(
          (r) => r?.release(),
          () => {},
        );
      }
      readers.clear();
    },
  };
}

const JSON_TYPE = 'application/json';
/** How long `close` waits for requests in flight by default (server.ts passes what its deadline leaves). */
const CLOSE_TIMEOUT_MS = 10_000;

/** Adds `extra` to response headers; a second `Vary` is appended, not replaced. */
function addHeaders(headers: Record<string, string>, extra: Readonly<Record<string, string>>): void {
  for (const name in extra) {
    const v = extra[name]!;
    headers[name] = name === 'Vary' && headers[name] ? `${headers[name]}, ${v}` : v;
  }
}

export function createCore(options: CoreOptions): Core {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? silentLogger;
  const authorizers = options.authorizers ?? DEFAULT_AUTHORIZERS;
  const defaultHost = options.domains[options.domains.length - 1] ?? 'localhost';
  const dateHeader = dateHeaderCache();
  let storage = options.storage;
  let shuttingDown = false;
  let inFlight = 0;
  /** Called once when `inFlight` next reaches 0 (close waits on them). */
  let onIdle: (() => void)[] = [];
  const requestFinished = () => {
    inFlight--;
    if (inFlight === 0 && onIdle.length > 0) {
      const waiting = onIdle;
      onIdle = [];
      for (const resolve of waiting) resolve();
    }
  };

  interface Finish {
    readonly requestId: string;
    readonly started: number;
    readonly req: CoreRequest;
    readonly operation: string;
    readonly parsed: ParsedRequest | undefined;
    readonly bytesIn: () => number;
    readonly errorCode?: string;
  }

  const respond = (f: Finish, status: number, headers: Record<string, string>, body: Buffer | Readable | null, release?: () => void): CoreResponse => {
    headers['x-oss-request-id'] = f.requestId;
    headers.Date = dateHeader(clock.now());
    headers.Server = 'AliyunOSS';
    if (body === null) {
      if (headers['Content-Length'] === undefined && status !== 304 && status !== 204) headers['Content-Length'] = '0';
    } else if (Buffer.isBuffer(body)) {
      headers['Content-Length'] = String(body.length);
    }
    let finished = false;
    return {
      status,
      headers,
      body,
      requestId: f.requestId,
      operation: f.operation,
      done(outcome = {}) {
        if (finished) return;
        finished = true;
        release?.();
        requestFinished();
        const level = status >= 500 && status !== 501 ? 'error' : outcome.error ? 'warn' : 'info';
        if (!log.enabled(level)) return;
        log[level]('request', {
          requestId: f.requestId,
          operation: f.operation,
          method: f.req.method,
          status,
          bytes: outcome.bytesSent ?? (Buffer.isBuffer(body) ? body.length : 0),
          bytesIn: f.bytesIn(),
          durationMs: Math.round((performance.now() - f.started) * 1000) / 1000,
          bucket: f.parsed?.bucket ?? undefined,
          key: f.parsed?.key || undefined,
          remote: f.req.remote?.address,
          target: redactTarget(f.req.rawTarget),
          errorCode: f.errorCode,
          error: outcome.error === undefined ? undefined : String(outcome.error),
        });
      },
    };
  };

  const probe = (f: Finish, ok: boolean, state: string): CoreResponse => {
    const body = f.req.method === 'HEAD' ? null : Buffer.from(`${JSON.stringify({ status: state })}\n`);
    return respond(f, ok ? 200 : 503, { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-store' }, body);
  };

  async function handle(req: CoreRequest): Promise<CoreResponse> {
    inFlight++;
    const started = performance.now();
    const requestId = newRequestId();
    const now = clock.now();
    const host = header(req.headers, 'host');
    const hostId = host ?? defaultHost;
    let parsed: ParsedRequest | undefined;
    let ctx: HandlerContext | undefined;
    let state: RequestState | undefined;
    const bytesIn = () => ctx?.bytesIn ?? 0;
    try {
      parsed = parseRequest({ method: req.method, rawTarget: req.rawTarget, headers: req.headers, host }, { domains: options.domains });
      const route = parsed.route;
      const f: Finish = { requestId, started, req, operation: route.operation, parsed, bytesIn };
      if (route.name === 'PailHealth') return probe(f, true, 'ok');
      if (route.name === 'PailReady') return probe(f, storage !== undefined && !shuttingDown, storage === undefined ? 'starting' : shuttingDown ? 'stopping' : 'ready');
      const store = storage;
      if (store === undefined) throw new OssError('ServiceUnavailable', { message: 'Pail is starting up; retry shortly.' });
      // A CORS preflight carries no credentials: it is answered from the bucket's rules alone.
      if (route.name === 'OptionObject') {
        const answer = await preflight(store.metadata, route.args(), req.headers);
        return respond(f, answer.status, { ...answer.headers }, null);
      }
      const reads = requestState(store, route.name === 'GetObject');
      state = reads;

      const authn = authenticate(parsed, req.headers, { now, region: options.region, keys: options.keys });
      if (!authn.ok) throw authn;

      const check = async (pairs: readonly AccessPair[], principal: Principal): Promise<void> => {
        const authz = await authorize(principal, pairs, reads, authorizers);
        if (!authz.allowed) throw accessDenied(principal, authz.pair);
      };
      // PostObject is authenticated by its form, not by headers: its handler authorizes the
      // form's key for the form's signer (ctx.authorize) once it has read the fields.
      if (route.name !== 'PostObject') await check(route.access, authn.principal);

      // Only a caller allowed to act learns that its arguments are wrong.
      const op = route.args();
      const bucket = parsed.bucket === null ? undefined : await reads.bucket(parsed.bucket);
      if (parsed.bucket !== null && bucket === undefined && op.name !== 'PutBucket') {
        throw new OssError('NoSuchBucket', { details: [['BucketName', parsed.bucket]] });
      }
      if (op.name === 'NotImplemented') {
        const what = op.detail ? `${op.operation} with ${op.detail}` : op.operation;
        throw new OssError('NotImplemented', { message: `Pail does not implement ${what} yet.` });
      }

      ctx = {
        op,
        req,
        parsed,
        principal: authn.principal,
        bucket,
        storage: store,
        objects: reads,
        now,
        requestId,
        region: options.region,
        hostId,
        log,
        bytesIn: 0,
        authorize: (pairs, principal = authn.principal) => check(pairs, principal),
        keys: options.keys,
      };
      const result: HandlerResult = await dispatch(ctx as HandlerContext<Extract<Operation, { name: typeof op.name }>>);
      reads.releaseUnused();
      const body = req.method === 'HEAD' ? null : (result.body ?? null);
      if (req.method === 'HEAD' && result.body && !Buffer.isBuffer(result.body)) result.body.destroy();
      const headers = { ...result.headers };
      addHeaders(headers, corsHeadersFor(bucket, req.method, req.headers));
      return respond(f, result.status, headers, body, result.release);
    } catch (e) {
      state?.releaseUnused();
      const mapped = toOssError(e, { bucket: parsed?.bucket ?? null, key: parsed?.key ?? '', now });
      const operation = parsed ? parsed.route.operation : 'Unknown';
      if (mapped.internal) log.error('internal error', { requestId, operation, error: e });
      const rendered = renderError(mapped.error, { requestId, hostId, method: req.method.toUpperCase() });
      // Pail's choice (docs/compatibility.md, "CORS"): errors carry the bucket's CORS headers too,
      // so a page can read the 403 of an expired presigned URL instead of a network error. The
      // bucket is read at most once per request, found or not (`state` remembers both).
      const store = storage;
      if (parsed && parsed.bucket !== null && parsed.route.name !== 'OptionObject' && store !== undefined) {
        try {
          state ??= requestState(store, false);
          addHeaders(rendered.headers, corsHeadersFor(await state.bucket(parsed.bucket), req.method, req.headers));
        } catch {
          // The error response matters more than its CORS headers.
        }
      }
      return respond(
        { requestId, started, req, operation, parsed, bytesIn, errorCode: mapped.error.code },
        rendered.status,
        rendered.headers,
        rendered.body,
      );
    }
  }

  return {
    handle,
    get ready() {
      return storage !== undefined && !shuttingDown;
    },
    get storage() {
      return storage;
    },
    keys: options.keys,
    clock,
    region: options.region,
    domains: options.domains,
    get inFlight() {
      return inFlight;
    },
    setStorage(s) {
      storage = s;
    },
    beginShutdown() {
      shuttingDown = true;
    },
    async close({ timeoutMs = CLOSE_TIMEOUT_MS } = {}) {
      shuttingDown = true;
      const s = storage;
      if (!s) return;
      // New requests get 503 from here on; those in flight keep the storage they started with,
      // which must stay open until they are done (a PutObject still commits its metadata).
      storage = undefined;
      if (inFlight > 0) {
        let timer: NodeJS.Timeout | undefined;
        const drained = await new Promise<boolean>((resolve) => {
          onIdle.push(() => resolve(true));
          timer = setTimeout(() => resolve(false), timeoutMs);
        });
        clearTimeout(timer);
        if (!drained) log.warn('closing storage with requests still in flight', { inFlight, timeoutMs });
      }
      await s.drain();
      await s.close();
    },
  };
}
