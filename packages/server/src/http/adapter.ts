/**
 * Node's http as a thin adapter around the core: IncomingMessage → CoreRequest (raw target,
 * headers, the request itself as the body stream), CoreResponse → ServerResponse (status,
 * headers, a Buffer or a piped stream). Nothing here knows about OSS.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Readable } from 'node:stream';
import { type Core, type CoreResponse, newRequestId } from '../core.js';
import { OssError } from '../errors/oss-error.js';
import { errorXml } from '../errors/render.js';
import { httpDate } from '../protocol/headers.js';
import type { Logger } from '../log.js';

/**
 * After an early answer (403, 404, 411…) to a request whose body has not been read, keep
 * reading and discarding the body for this long: closing a socket with unread data makes the
 * kernel send a reset, and the client may lose the answer it was about to read.
 */
export const LINGER_MS = 10_000;

export interface AdapterOptions {
  readonly log: Logger;
  /** true once shutdown began: responses carry `Connection: close` so keep-alive sockets drain. */
  readonly closing: () => boolean;
}

function hasBody(req: IncomingMessage): boolean {
  const cl = req.headers['content-length'];
  return (cl !== undefined && cl !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * The request body as an async iterable. For `Expect: 100-continue` requests the interim
 * 100 response goes out only when a handler starts reading, so a request refused before that
 * (403, 404, 400…) never has its body sent.
 */
function bodyOf(req: IncomingMessage, res: ServerResponse, expectContinue: boolean, continued: () => void): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]() {
      if (expectContinue && !res.headersSent) {
        res.writeContinue();
        continued();
      }
      // A handler that stops reading early (a body over its limit, a bad digest) must not
      // destroy the request: that destroys the socket before the error response is written.
      // The unread rest is drained by linger() after the response.
      return req.iterator({ destroyOnReturn: false });
    },
  };
}

/**
 * Drains an unread request body after the response, within LINGER_MS (see there). When the
 * connection is to close anyway (the client asked, or HTTP/1.0), Node would destroy the socket
 * as soon as the response is written — with body bytes still unread, which resets the
 * connection and can destroy the answer in the client's receive buffer. So the close becomes
 * a half-close: our side is shut, the body is read to its end (or LINGER_MS), then the socket goes.
 */
function linger(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket as (Socket & { destroySoon?: () => void }) | null;
  if (req.complete || !socket || socket.destroyed) return;
  const destroySoon = socket.destroySoon;
  let closeWanted = false;
  socket.destroySoon = () => {
    closeWanted = true;
    socket.end();
  };
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  const done = () => {
    clearTimeout(timer);
    if (destroySoon) socket.destroySoon = destroySoon;
    if (closeWanted) socket.destroy();
  };
  req.once('end', done);
  req.once('close', () => clearTimeout(timer));
  res.once('finish', () => req.resume());
}

function write(req: IncomingMessage, res: ServerResponse, response: CoreResponse, opts: AdapterOptions, unsentBody: boolean): void {
  res.statusCode = response.status;
  try {
    for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  } catch (err) {
    // A header Node refuses to send (a bug upstream, e.g. a value that escaped validation):
    // answer a bare 500 and keep the process alive rather than throw out of the callback.
    opts.log.error('invalid response header', { requestId: response.requestId, error: err });
    if (response.body && !Buffer.isBuffer(response.body)) response.body.destroy();
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    res.statusCode = 500;
    res.setHeader('Content-Length', '0');
    res.setHeader('Connection', 'close');
    res.end(() => response.done({ bytesSent: 0, error: err }));
    return;
  }
  // A client told to wait (Expect: 100-continue) that never got the go-ahead has not sent its
  // body: the connection cannot be reused. Any other unread body is drained, then the socket
  // is kept (or cut after LINGER_MS).
  if (opts.closing() || unsentBody) res.setHeader('Connection', 'close');
  else if (!req.complete && hasBody(req)) linger(req, res);
  const body = response.body;
  if (body === null || Buffer.isBuffer(body)) {
    res.end(body ?? undefined, () => response.done({ bytesSent: body?.length ?? 0 }));
    res.once('close', () => {
      if (!res.writableFinished) response.done({ bytesSent: 0, error: new Error('client closed the connection') });
    });
    return;
  }
  let sent = 0;
  let settled = false;
  const stream = body as Readable;
  const settle = (error?: unknown) => {
    if (settled) return;
    settled = true;
    response.done({ bytesSent: sent, ...(error === undefined ? {} : { error }) });
  };
  stream.on('data', (chunk: Buffer) => {
    sent += chunk.length;
  });
  // pipe() rather than stream.pipeline(): the latter allocates (and aborts) an AbortController
  // per call, measurable on the download hot path. The cleanup it would do is spelled out here.
  stream.once('error', (err) => {
    // Headers are gone already; the only honest signal left is a broken connection.
    opts.log.warn('response stream failed', { requestId: response.requestId, error: err });
    res.destroy();
    settle(err);
  });
  res.once('close', () => {
    if (!stream.readableEnded || !res.writableFinished) {
      stream.unpipe(res);
      stream.destroy();
      settle(new Error('client closed the connection'));
    } else settle();
  });
  stream.pipe(res);
}

export function createRequestHandler(core: Core, opts: AdapterOptions) {
  return (req: IncomingMessage, res: ServerResponse, expectContinue = false): void => {
    res.sendDate = false; // the core sends Date from the injectable clock
    let continued = false;
    // Only uploads need to learn that the client went away (AbortController is not free).
    let controller: AbortController | undefined;
    if (hasBody(req)) {
      const c = new AbortController();
      controller = c;
      res.once('close', () => {
        if (!res.writableFinished) c.abort();
      });
      req.once('error', () => c.abort());
    }
    core
      .handle({
        method: req.method ?? 'GET',
        rawTarget: req.url ?? '/',
        headers: req.headers,
        body: bodyOf(req, res, expectContinue, () => {
          continued = true;
        }),
        remote: { address: req.socket.remoteAddress, port: req.socket.remotePort },
        ...(controller ? { signal: controller.signal } : {}),
      })
      .then(
        (response) => {
          if (res.destroyed) {
            if (response.body && !Buffer.isBuffer(response.body)) response.body.destroy();
            response.done({ bytesSent: 0, error: new Error('client closed the connection') });
            return;
          }
          write(req, res, response, opts, expectContinue && !continued);
        },
        (err: unknown) => {
          // core.handle maps every error itself; reaching this is a bug.
          opts.log.error('unhandled error in core', { error: err });
          if (!res.headersSent) {
            res.statusCode = 500;
            res.setHeader('Content-Length', '0');
            res.setHeader('Connection', 'close');
          }
          res.end();
        },
      );
  };
}

/**
 * Requests Node's parser refuses (malformed request line, bad Content-Length or
 * Transfer-Encoding, oversized or too many headers) never reach the core; they still get an
 * OSS error document (400 InvalidArgument, Pail's choice), then the connection is closed.
 */
export function handleClientError(err: NodeJS.ErrnoException, socket: Duplex, now: () => number): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  // --headers-timeout / --request-timeout (http/limits.ts): the client was too slow.
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    rawError(socket, new OssError('RequestTimeout'), now);
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  rawError(
    socket,
    new OssError('InvalidArgument', {
      message: tooLarge ? 'The request headers are too large.' : 'The HTTP request is malformed.',
      ec: tooLarge ? '0016-00000104' : '0016-00000105',
    }),
    now,
  );
}

/** CONNECT never reaches the 'request' event (Node would just close the socket): 405, closed. */
export function handleConnect(req: IncomingMessage, socket: Duplex, now: () => number): void {
  rawError(socket, new OssError('MethodNotAllowed', { details: [['Method', req.method ?? 'CONNECT']] }), now);
}

const REASONS: Readonly<Record<number, string>> = { 400: 'Bad Request', 405: 'Method Not Allowed' };

function rawError(socket: Duplex, error: OssError, now: () => number): void {
  const requestId = newRequestId();
  const body = Buffer.from(errorXml(error, { requestId, hostId: '', method: 'GET' }), 'utf8');
  const head =
    `HTTP/1.1 ${error.status} ${REASONS[error.status] ?? 'Error'}\r\n` +
    `Server: AliyunOSS\r\nDate: ${httpDate(now())}\r\nx-oss-request-id: ${requestId}\r\nx-oss-ec: ${error.ec}\r\n` +
    `Content-Type: application/xml\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
}
