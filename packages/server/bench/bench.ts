/**
 * `npm run bench`: presigned-GET throughput of Pail next to Node's ceiling.
 *
 * Pail (pail-server.ts) and a bare `node:http` server that answers every request with a fixed
 * in-memory buffer of the same size (reference-server.ts) each run in their own child process;
 * autocannon drives both from this process. For every object size × connection count it
 * measures, after a warm-up, req/s, MB/s, p50 and p99 latency of:
 *   pail same-url   one presigned V4 URL repeated (the CDN-origin case),
 *   pail distinct   a different presigned V4 URL per request (distinct x-oss-date, so distinct
 *                   signatures: nothing can be cached per URL),
 *   node ceiling    the reference server,
 * then prints a table with Pail/ceiling ratios and writes the figures to .bench/ (gitignored).
 *
 *   npm run bench                       5 s per cell (longer for 16 MiB × 64), 1 s warm-up (~4 min)
 *   npm run bench -- --quick            distinct URLs only, 1.5 s per cell, 0.3 s warm-up,
 *                                       at most 64 MiB in flight (< 1 min)
 *   npm run bench -- --sizes 1k,1m --connections 64 --duration 10 --modes distinct
 *
 * Speed is measured here and never asserted in tests (CONTRIBUTING.md).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { presignUrlSync } from '@pail/sign';

// ---------------------------------------------------------------------------------------------
// autocannon (no typings shipped): the slice of its API used here

interface AutocannonRequest {
  method?: string;
  path?: string;
  setupRequest?: (req: AutocannonRequest) => AutocannonRequest;
}
interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  pipelining?: number;
  timeout?: number;
  /** ms; autocannon only checks for the end of the run at these ticks. */
  sampleInt?: number;
  requests?: AutocannonRequest[];
}
interface AutocannonResult {
  /** Seconds, to 10 ms. */
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
}
/** The run is an EventEmitter (per-response events) and a promise of the result. */
interface AutocannonRun extends PromiseLike<AutocannonResult> {
  on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTimeMs: number) => void): this;
}
const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as (opts: AutocannonOptions) => AutocannonRun;
const AUTOCANNON_VERSION = (require('autocannon/package.json') as { version: string }).version;

// ---------------------------------------------------------------------------------------------
// options

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    sizes: { type: 'string' },
    connections: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    modes: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  console.log(`usage: npm run bench -- [--quick] [--sizes 1k,64k,1m,16m] [--connections 1,64]
                        [--duration SECONDS] [--warmup SECONDS] [--modes same,distinct] [--out FILE]`);
  process.exit(0);
}

function parseSize(s: string): number {
  const m = /^(\d+)(k|m)?(?:i?b)?$/i.exec(s.trim());
  if (!m) throw new Error(`bad size ${s}`);
  const unit = (m[2] ?? '').toLowerCase();
  return Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 * 1024 : 1);
}

const SIZES = (args.sizes ?? '1k,64k,1m,16m').split(',').map(parseSize);
const CONNECTIONS = (args.connections ?? '1,64').split(',').map(Number);
const DURATION = Number(args.duration ?? (args.quick ? 1.5 : 5));
const WARMUP = Number(args.warmup ?? (args.quick ? 0.3 : 1));
// --quick measures the realistic mode only (a fresh URL per request).
const MODES = (args.modes ?? (args.quick ? 'distinct' : 'same,distinct')).split(',') as ('same' | 'distinct')[];
/**
 * --quick bounds the bytes in flight (connections × size) so a cell finishes in its 1.5 s: at
 * 16 MiB it runs 4 connections instead of 64 and says so. The full run measures what was asked.
 */
const MAX_IN_FLIGHT = args.quick ? 64 * 1024 * 1024 : Number.POSITIVE_INFINITY;
function effectiveConnections(size: number, requested: number): number {
  return Math.min(requested, Math.max(1, Math.floor(MAX_IN_FLIGHT / size)));
}
for (const m of MODES) if (m !== 'same' && m !== 'distinct') throw new Error(`unknown mode ${m}`);

const BUCKET = 'bench';
const REGION = 'cn-hangzhou';
/**
 * Presigned URLs per object in `distinct` mode, enough that none repeats within a cell at the
 * rates seen (a note flags a cell that wrapped around). Each is unique by (x-oss-date,
 * x-oss-expires): signing times one second apart over 2048 s, then the next expiry.
 */
function distinctUrlCount(size: number): number {
  return size <= 64 * 1024 ? 16384 : size <= 1024 * 1024 ? 4096 : 512;
}
const DATE_SPREAD = 2048;

function human(size: number): string {
  if (size >= 1024 * 1024) return `${size / 1024 / 1024} MiB`;
  if (size >= 1024) return `${size / 1024} KiB`;
  return `${size} B`;
}

// ---------------------------------------------------------------------------------------------
// child processes

interface PailInfo {
  url: string;
  port: number;
  accessKeyId: string;
  accessKeySecret: string;
}

function startChild<T>(script: string, accept: (m: unknown) => T | undefined): Promise<{ child: ChildProcess; info: T }> {
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), [], {
    // Pail's request log would cost it throughput and flood the terminal; errors still show.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown) => {
      const info = accept(m);
      if (info !== undefined) {
        child.off('message', onMessage);
        resolve({ child, info });
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
}

function setReferenceSize(child: ChildProcess, size: number): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (m: { ready?: number }) => {
      if (m.ready === size) {
        child.off('message', onMessage);
        resolve();
      }
    };
    child.on('message', onMessage);
    child.send({ size });
  });
}

// ---------------------------------------------------------------------------------------------
// plain HTTP for setup and verification (not measured)

function request(port: number, method: string, path: string, body?: Buffer, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The request target (path + query) of a URL, by string slicing (no WHATWG URL). */
function targetOf(url: string): string {
  return url.slice(url.indexOf('/', url.indexOf('//') + 2));
}

// ---------------------------------------------------------------------------------------------
// measurement

type Server = 'pail same-url' | 'pail distinct' | 'node ceiling';

interface Cell {
  size: number;
  /** What the matrix asked for; `connections` is what ran (see MAX_IN_FLIGHT). */
  requestedConnections: number;
  connections: number;
  server: Server;
  /** cellDuration(): DURATION, or longer for MIN_ROUNDS of big responses. */
  plannedSeconds: number;
  durationSeconds: number;
  reqPerSec: number;
  /** Object bytes per second (MiB/s). */
  mbPerSec: number;
  /** Bytes on the wire, headers included (MiB/s). */
  wireMbPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
}

/**
 * Every cell lasts at least MIN_ROUNDS "rounds" (each connection finishing one response) at an
 * assumed ASSUMED_MB_PER_S, so that big objects at many connections are measured on completed
 * responses rather than cut off mid-body when the duration ends.
 */
const MIN_ROUNDS = 3;
const ASSUMED_MB_PER_S = 200;

function cellDuration(size: number, connections: number): number {
  const needed = (MIN_ROUNDS * connections * size) / (ASSUMED_MB_PER_S * 1024 * 1024);
  return Math.max(DURATION, Math.ceil(needed * 10) / 10);
}

/** Exact percentile (nearest rank) of float latencies; autocannon's histogram keeps whole ms only. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function measure(
  server: Server,
  size: number,
  requestedConnections: number,
  port: number,
  paths: readonly string[],
): Promise<Cell> {
  const connections = effectiveConnections(size, requestedConnections);
  let next = 0;
  const opts = (duration: number): AutocannonOptions => ({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration,
    pipelining: 1,
    timeout: 60,
    // The run ends at the first tick after `duration`: 100 ms ticks, not the default 1 s.
    sampleInt: 100,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => {
          req.path = paths[next++ % paths.length]!;
          return req;
        },
      },
    ],
  });
  const duration = cellDuration(size, connections);
  await autocannon(opts(Math.min(WARMUP, duration)));

  const latencies: number[] = [];
  let bytes = 0;
  const run = autocannon(opts(duration));
  run.on('response', (_client, statusCode, resBytes, responseTimeMs) => {
    if (statusCode >= 200 && statusCode < 300) {
      latencies.push(responseTimeMs);
      bytes += resBytes;
    }
  });
  const r = await run;
  const sorted = Float64Array.from(latencies).sort();
  const statusCodes = Object.fromEntries(Object.entries(r.statusCodeStats).map(([k, v]) => [k, v.count]));
  return {
    size,
    requestedConnections,
    connections,
    server,
    plannedSeconds: duration,
    durationSeconds: r.duration,
    reqPerSec: latencies.length / r.duration,
    // resBytes counts headers too; the payload share is what MB/s is about.
    mbPerSec: (latencies.length * size) / r.duration / 1024 / 1024,
    wireMbPerSec: bytes / r.duration / 1024 / 1024,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    requests: latencies.length,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes,
  };
}

// ---------------------------------------------------------------------------------------------
// output

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function printTable(cells: Cell[]): void {
  const header = ['size', 'conns', 'server', 'req/s', 'MiB/s', 'p50 ms', 'p99 ms', 'vs node req/s', 'vs node MiB/s', 'vs node p99', 'note'];
  const rows: string[][] = [];
  for (const size of SIZES) {
    for (const requested of CONNECTIONS) {
      const group = cells.filter((c) => c.size === size && c.requestedConnections === requested);
      const ref = group.find((c) => c.server === 'node ceiling');
      for (const c of group) {
        const notes: string[] = [];
        if (c.non2xx || c.errors || c.timeouts) notes.push(`INVALID: non2xx=${c.non2xx} errors=${c.errors} timeouts=${c.timeouts}`);
        if (c.connections !== c.requestedConnections) notes.push(`--quick: ${c.connections} of ${c.requestedConnections} connections`);
        if (c.plannedSeconds > DURATION) notes.push(`${c.plannedSeconds} s (${MIN_ROUNDS} rounds of ${human(size)})`);
        if (c.server === 'pail distinct' && c.requests > distinctUrlCount(size)) notes.push(`URLs reused (${distinctUrlCount(size)} distinct)`);
        const vs = ref && c !== ref;
        rows.push([
          human(size),
          String(c.connections),
          c.server,
          fmt(c.reqPerSec),
          fmt(c.mbPerSec, 1),
          fmt(c.p50Ms, 2),
          fmt(c.p99Ms, 2),
          vs ? `${fmt(c.reqPerSec / ref.reqPerSec, 2)}x` : '',
          vs ? `${fmt(c.mbPerSec / ref.mbPerSec, 2)}x` : '',
          vs ? `${fmt(c.p99Ms / ref.p99Ms, 1)}x` : '',
          notes.join('; '),
        ]);
      }
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((v, i) => (i >= 3 && i <= 9 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  let last = '';
  for (const r of rows) {
    const group = `${r[0]}/${r[1]}`;
    if (last && group !== last) console.log('');
    last = group;
    console.log(line(r));
  }
}

// ---------------------------------------------------------------------------------------------
// main

const started = Date.now();
const loadAtStart = loadavg();
const pail = await startChild<PailInfo>('./pail-server.js', (m) => (m && typeof m === 'object' && 'accessKeyId' in m ? (m as PailInfo) : undefined));
const ref = await startChild<number>('./reference-server.js', (m) =>
  m && typeof m === 'object' && 'port' in m ? (m as { port: number }).port : undefined,
);

try {
  const credentials = { accessKeyId: pail.info.accessKeyId, accessKeySecret: pail.info.accessKeySecret };
  const endpoint = `http://127.0.0.1:${pail.info.port}`;
  const sign = (method: string, key: string | undefined, date: number, expires = 3600) =>
    presignUrlSync({ method, endpoint, pathStyle: true, region: REGION, bucket: BUCKET, key, expires, credentials, date }).url;

  // Setup through presigned requests too: PutBucket, then one object per size.
  const mb = await request(pail.info.port, 'PUT', targetOf(sign('PUT', undefined, Date.now())));
  assert.equal(mb.status, 200, `PutBucket: ${mb.status} ${mb.body.toString()}`);
  const urls = new Map<number, { same: string[]; distinct: string[] }>();
  for (const size of SIZES) {
    const key = `objects/${human(size).replace(' ', '')}.bin`;
    const body = Buffer.alloc(size);
    for (let i = 0; i < size; i++) body[i] = (i * 31 + (i >> 8)) & 0xff;
    const put = await request(pail.info.port, 'PUT', targetOf(sign('PUT', key, Date.now())), body);
    assert.equal(put.status, 200, `PutObject ${key}: ${put.status} ${put.body.toString()}`);
    const now = Date.now();
    const same = [targetOf(sign('GET', key, now))];
    const distinct = Array.from({ length: distinctUrlCount(size) }, (_, i) =>
      targetOf(sign('GET', key, now - (i % DATE_SPREAD) * 1000, 3600 + Math.floor(i / DATE_SPREAD))),
    );
    assert.equal(new Set(distinct).size, distinct.length, 'distinct URLs are distinct');
    for (const path of [same[0]!, distinct.at(-1)!]) {
      const got = await request(pail.info.port, 'GET', path);
      assert.equal(got.status, 200, `presigned GET ${key}: ${got.status} ${got.body.toString().slice(0, 300)}`);
      assert.equal(sha256(got.body), sha256(body), `presigned GET ${key}: wrong bytes`);
    }
    urls.set(size, { same, distinct });
  }

  const load = loadAtStart[0]!;
  if (load > cpus().length * 0.5) {
    console.log(`warning: load average ${load.toFixed(1)} on ${cpus().length} CPUs before the run: other work will skew the figures\n`);
  }
  console.log(
    `Pail presigned GET vs node:http ceiling — ${DURATION} s per cell after ${WARMUP} s warm-up, ` +
      `autocannon ${AUTOCANNON_VERSION}, node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? '?'}\n`,
  );
  const cells: Cell[] = [];
  for (const size of SIZES) {
    const u = urls.get(size)!;
    await setReferenceSize(ref.child, size);
    for (const connections of CONNECTIONS) {
      if (MODES.includes('same')) cells.push(await measure('pail same-url', size, connections, pail.info.port, u.same));
      if (MODES.includes('distinct')) cells.push(await measure('pail distinct', size, connections, pail.info.port, u.distinct));
      cells.push(await measure('node ceiling', size, connections, ref.info, ['/']));
      const c = cells.at(-1)!;
      process.stderr.write(`  measured ${human(size)} × ${c.connections} conn (ceiling ${fmt(c.reqPerSec)} req/s)\n`);
    }
  }
  console.log('');
  printTable(cells);

  const report = {
    date: new Date(started).toISOString(),
    elapsedSeconds: (Date.now() - started) / 1000,
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    loadAverageAtStart: loadAtStart,
    memoryBytes: totalmem(),
    autocannon: AUTOCANNON_VERSION,
    durationSeconds: DURATION,
    warmupSeconds: WARMUP,
    distinctUrls: Object.fromEntries(SIZES.map((size) => [size, distinctUrlCount(size)])),
    cells: cells.map((c) => {
      const base = cells.find((r) => r.server === 'node ceiling' && r.size === c.size && r.connections === c.connections);
      return {
        ...c,
        ratioReqPerSec: base && base !== c ? c.reqPerSec / base.reqPerSec : undefined,
        ratioMbPerSec: base && base !== c ? c.mbPerSec / base.mbPerSec : undefined,
        ratioP99: base && base !== c ? c.p99Ms / base.p99Ms : undefined,
      };
    }),
  };
  const out = args.out ?? join('.bench', `bench-${report.date.replace(/[:.]/g, '-')}${args.quick ? '-quick' : ''}.json`);
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwrote ${out} (${report.elapsedSeconds.toFixed(1)} s)`);
  const invalid = cells.filter((c) => c.non2xx || c.errors || c.timeouts);
  if (invalid.length) {
    console.error(`${invalid.length} cell(s) had failed requests; their figures are not valid`);
    process.exitCode = 1;
  }
} finally {
  pail.child.disconnect();
  ref.child.disconnect();
}
