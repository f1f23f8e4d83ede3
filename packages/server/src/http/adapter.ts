/**
 * Node's http as a thin adapter around the core: IncomingMessage → CoreRequest (raw target,
 * headers, the request itself as the body stream), CoreResponse → ServerResponse (status,
 * headers, a Buffer or a piped stream). Nothing here knows about OSS.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline, type Readable } from 'node:stream';
import type { Core, CoreResponse } from '../core.js';
import type { Logger } from '../log.js';

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
function bodyOf(req: IncomingMessage, res: ServerResponse, expectContinue: boolean): AsyncIterable<Uint8Array> {
  if (!expectContinue) return req;
  return {
    [Symbol.asyncIterator]() {
      if (!res.headersSent) res.writeContinue();
      return req[Symbol.asyncIterator]();
    },
  };
}

function write(req: IncomingMessage, res: ServerResponse, response: CoreResponse, opts: AdapterOptions): void {
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  // A body we did not read (an early refusal) would otherwise be drained to keep the socket
  // alive: closing is cheaper than reading up to 5 GB nobody wants.
  if (opts.closing() || (!req.complete && hasBody(req))) res.setHeader('Connection', 'close');
  const body = response.body;
  if (body === null || Buffer.isBuffer(body)) {
    res.end(body ?? undefined, () => response.done({ bytesSent: body?.length ?? 0 }));
    res.once('close', () => {
      if (!res.writableFinished) response.done({ bytesSent: 0, error: new Error('client closed the connection') });
    });
    return;
  }
  let sent = 0;
  const stream = body as Readable;
  stream.on('data', (chunk: Buffer) => {
    sent += chunk.length;
  });
  pipeline(stream, res, (err) => {
    if (err) {
      // Headers are gone already; the only honest signal left is a broken connection.
      res.destroy();
      if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') {
        opts.log.warn('response stream failed', { requestId: response.requestId, error: err });
      }
    }
    response.done({ bytesSent: sent, ...(err ? { error: err } : {}) });
  });
}

export function createRequestHandler(core: Core, opts: AdapterOptions) {
  return (req: IncomingMessage, res: ServerResponse, expectContinue = false): void => {
    res.sendDate = false; // the core sends Date from the injectable clock
    const controller = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    req.once('error', () => controller.abort());
    core
      .handle({
        method: req.method ?? 'GET',
        rawTarget: req.url ?? '/',
        headers: req.headers,
        body: bodyOf(req, res, expectContinue),
        remote: { address: req.socket.remoteAddress, port: req.socket.remotePort },
        signal: controller.signal,
      })
      .then(
        (response) => {
          if (res.destroyed) {
            if (response.body && !Buffer.isBuffer(response.body)) response.body.destroy();
            response.done({ bytesSent: 0, error: new Error('client closed the connection') });
            return;
          }
          write(req, res, response, opts);
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
