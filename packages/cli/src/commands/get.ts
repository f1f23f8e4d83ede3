import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { flag, str } from '../args.js';
import type { Command } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { humanSize } from '../format.js';
import { errorFromResponse, header } from '../http.js';
import { createProgress } from '../progress.js';
import { pipeToStdout } from './cat.js';

export const get: Command = {
  spec: {
    name: 'get',
    summary: 'download any URL, e.g. a presigned one, resuming a partial file (no credentials)',
    usage: ['get URL [-o FILE|-] [--no-resume] [-q]'],
    options: [
      { name: 'output', short: 'o', value: 'FILE', type: 'string', description: "Where to write (default: the URL's file name; - for stdout)" },
      { name: 'no-resume', type: 'boolean', description: 'Start from byte 0 even if FILE exists' },
      { name: 'quiet', short: 'q', type: 'boolean', description: 'No progress bar and no summary line' },
    ],
    minPositionals: 1,
    maxPositionals: 1,
    details: [
      'If FILE already exists and is shorter than the object, only the rest is requested',
      '(Range: bytes=<size>-) and appended; the final size is checked against Content-Range /',
      'Content-Length. Range is not part of a presigned signature, so this works with any',
      'presigned GET URL. The existing bytes are trusted: use --no-resume if FILE may hold',
      'something else.',
      '',
      'Example:',
      "  pail get 'http://127.0.0.1:9000/examplebucket/exampleobject.txt?x-oss-...' -o example.txt",
    ].join('\n'),
  },
  async run(ctx) {
    const url = parseHttpUrl(ctx.args.positionals[0]!);
    const out = str(ctx.args, 'output') ?? defaultName(url.path);
    const quiet = flag(ctx.args, 'quiet');
    if (out === '-') {
      const res = await request(url, undefined);
      if (res.statusCode !== 200 && res.statusCode !== 206) throw await errorFromResponse(res, 'GET');
      await pipeToStdout(res, ctx.stdout);
      return 0;
    }
    const have = flag(ctx.args, 'no-resume') ? 0 : await existingSize(out);
    const progress = createProgress(out, undefined, !quiet);
    let res = await request(url, have > 0 ? `bytes=${have}-` : undefined);
    let start = 0;
    let total: number | undefined;
    if (have > 0 && res.statusCode === 416) {
      // Nothing left past our size: complete if the server says the object is exactly that long.
      const size = totalFromContentRange(header(res, 'content-range'));
      res.resume();
      if (size === have) {
        if (!quiet) ctx.stderr.write(`${out} is already complete (${humanSize(have)})\n`);
        return 0;
      }
      if (!quiet) ctx.stderr.write(`${out} does not match the remote object; downloading it again\n`);
      res = await request(url, undefined);
    }
    if (res.statusCode === 206) {
      const cr = parseContentRange(header(res, 'content-range'));
      if (!cr || cr.start !== have) {
        res.resume();
        throw new CliError(`unexpected Content-Range '${header(res, 'content-range') ?? ''}' for a request from byte ${have}`);
      }
      start = have;
      total = cr.total;
    } else if (res.statusCode === 200) {
      // The server ignored Range (OSS does for ranges past the end): this is the whole object.
      const len = Number(header(res, 'content-length'));
      total = Number.isFinite(len) ? len : undefined;
      if (have > 0 && total === have) {
        res.resume();
        if (!quiet) ctx.stderr.write(`${out} is already complete (${humanSize(have)})\n`);
        return 0;
      }
    } else {
      throw await errorFromResponse(res, 'GET');
    }
    if (start > 0 && !quiet) ctx.stderr.write(`Resuming ${out} at ${humanSize(start)}\n`);
    progress.setTotal(total);
    progress.setBase(start);
    try {
      await pipeline(
        res,
        new Transform({
          transform(chunk: Buffer, _e, cb) {
            progress.add(chunk.length);
            cb(null, chunk);
          },
        }),
        createWriteStream(out, start > 0 ? { flags: 'a' } : { flags: 'w' }),
      );
    } finally {
      progress.done();
    }
    const final = await existingSize(out);
    if (total !== undefined && final !== total) {
      throw new CliError(`${out}: has ${final} bytes, expected ${total}; run the same command again to resume`);
    }
    if (!quiet) ctx.stderr.write(`Saved ${out} (${humanSize(final)}${start > 0 ? `, resumed at ${humanSize(start)}` : ''})\n`);
    return 0;
  },
};

interface HttpUrl {
  readonly protocol: 'http' | 'https';
  readonly hostname: string;
  readonly port: number | undefined;
  readonly host: string;
  /** Path and query exactly as given (never normalised: keys may contain `..`). */
  readonly path: string;
}

/** Splits an http(s) URL by hand: WHATWG `URL` would rewrite `/a/../b` paths (CONTRIBUTING). */
export function parseHttpUrl(s: string): HttpUrl {
  const m = /^(https?):\/\/(\[[0-9a-fA-F:.]+\]|[^/?#:@\s]+)(?::(\d{1,5}))?([/?][^#\s]*)?(?:#.*)?$/i.exec(s.trim());
  if (!m) throw new UsageError(`pail get: '${s}' is not an http:// or https:// URL`);
  const protocol = m[1]!.toLowerCase() as 'http' | 'https';
  const port = m[3] === undefined ? undefined : Number(m[3]);
  let path = m[4] ?? '/';
  if (path.startsWith('?')) path = `/${path}`;
  return { protocol, hostname: m[2]!, port, host: port === undefined ? m[2]! : `${m[2]}:${port}`, path };
}

/** Last path segment, percent-decoded; `download` when there is none. */
function defaultName(path: string): string {
  const p = path.split('?', 1)[0]!;
  const seg = p.slice(p.lastIndexOf('/') + 1);
  let name: string;
  try {
    name = decodeURIComponent(seg);
  } catch {
    name = seg;
  }
  return name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\\') ? 'download' : name;
}

function request(url: HttpUrl, range: string | undefined): Promise<IncomingMessage> {
  const mod = url.protocol === 'https' ? https : http;
  return new Promise((resolve, reject) => {
    // One connection per request (agent: false): a download is one or two requests.
    const r = mod.request({
      agent: false,
      method: 'GET',
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port,
      path: url.path,
      // Only headers a presigned URL never signs: Range is not signed unless the URL lists it (§6 pitfall 9).
      headers: { host: url.host, ...(range ? { range } : {}) },
    });
    r.on('response', resolve);
    r.on('error', reject);
    r.end();
  });
}

async function existingSize(path: string): Promise<number> {
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new CliError(`${path} exists and is not a regular file`);
    return st.size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
}

/** `bytes 100-199/1000` → {start: 100, end: 199, total: 1000}. */
export function parseContentRange(v: string | undefined): { start: number; end: number; total: number | undefined } | undefined {
  const m = v ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(v.trim()) : null;
  if (!m) return undefined;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? undefined : Number(m[3]) };
}

// Total size from a Content-Range such as "bytes */1000" (the 416 form).
function totalFromContentRange(v: string | undefined): number | undefined {
  const m = v ? /\/(\d+)$/.exec(v.trim()) : null;
  return m ? Number(m[1]) : undefined;
}
