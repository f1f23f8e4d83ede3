/**
 * The load soak (issue 5; `npm run soak`, a short version in the reliability suite): a mixed
 * workload against a `pail serve` child process at high concurrency for a bounded time —
 * 80% presigned GET, 15% PUT, 5% list/delete — counting every unexpected answer as an error,
 * sampling the server's RSS once a second and reporting latency percentiles per operation.
 */
import { Agent } from 'node:http';
import { rmSync } from 'node:fs';
import { OssClient, rawHttp } from './oss.js';
import { freshDir, REGION, ROOT_CREDENTIALS, ServerProcess } from './server-process.js';
import { percentile, Rng, sha256, sleep } from './util.js';

export interface SoakOptions {
  readonly durationSec: number;
  readonly concurrency: number;
  /** Objects the GETs read (never deleted or overwritten during the run). */
  readonly objects: number;
  readonly seed: number;
  /** Extra `pail serve` flags. */
  readonly serverArgs?: readonly string[];
  /** Use an already running server instead of starting one. */
  readonly url?: string;
  readonly log?: (line: string) => void;
}

export interface OpStats {
  count: number;
  errors: number;
  latencies: number[];
}

export interface SoakReport {
  readonly seed: number;
  readonly durationSec: number;
  readonly concurrency: number;
  readonly requests: number;
  readonly errors: number;
  readonly errorSamples: string[];
  readonly requestsPerSec: number;
  readonly rssStartMiB: number;
  readonly rssEndMiB: number;
  readonly rssMaxMiB: number;
  readonly rssSamplesMiB: number[];
  readonly ops: Record<string, { count: number; errors: number; p50: number; p99: number; max: number }>;
  readonly p99: number;
}

type Op = 'GET presigned' | 'PUT' | 'LIST' | 'DELETE';

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const log = o.log ?? ((l: string) => console.log(l));
  const rng = new Rng(o.seed);
  let server: ServerProcess | undefined;
  let dataDir: string | undefined;
  if (!o.url) {
    dataDir = freshDir('soak');
    server = await ServerProcess.start({ dataDir, args: ['--log-level', 'warn', ...(o.serverArgs ?? [])] });
  }
  const url = o.url ?? server!.url;
  const client = OssClient.forUrl(url, ROOT_CREDENTIALS, REGION, { maxSockets: o.concurrency + 8 });
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency + 8 });
  const bucket = `soak-${o.seed}`;
  try {
    await client.putBucket(bucket);
    // the read set: fixed, so every GET has exactly one right answer
    const objects: Array<{ key: string; sha: string; size: number; urls: string[] }> = [];
    for (let i = 0; i < o.objects; i++) {
      const key = `read/${i.toString().padStart(5, '0')}`;
      const data = rng.bytes(rng.pick([512, 4096, 16_384, 65_536, 262_144]));
      const r = await client.putObject(bucket, key, data);
      if (r.status !== 200) throw new Error(`soak setup: PutObject ${r.status}`);
      objects.push({ key, sha: sha256(data), size: data.length, urls: [client.presignV4('GET', bucket, key, 7200), client.presignV1('GET', bucket, key)] });
    }
    const stats = new Map<Op, OpStats>();
    for (const op of ['GET presigned', 'PUT', 'LIST', 'DELETE'] as Op[]) stats.set(op, { count: 0, errors: 0, latencies: [] });
    const errorSamples: string[] = [];
    const fail = (op: Op, msg: string) => {
      stats.get(op)!.errors++;
      if (errorSamples.length < 20) errorSamples.push(`${op}: ${msg}`);
    };
    const rssSamples: number[] = [];
    const sampleRss = () => {
      if (server) rssSamples.push(server.rss() / 2 ** 20);
    };
    sampleRss();
    const t0 = Date.now();
    const deadline = t0 + o.durationSec * 1000;
    const sampler = setInterval(sampleRss, 1000);
    const worker = async (w: number) => {
      const wr = new Rng(o.seed * 1000 + w);
      while (Date.now() < deadline) {
        const x = wr.next();
        const op: Op = x < 0.8 ? 'GET presigned' : x < 0.95 ? 'PUT' : x < 0.975 ? 'LIST' : 'DELETE';
        const st = stats.get(op)!;
        const start = performance.now();
        try {
          if (op === 'GET presigned') {
            const ob = wr.pick(objects);
            const r = await rawHttp({ host: client.host, port: client.port, method: 'GET', path: wr.pick(ob.urls), agent });
            if (r.status !== 200) fail(op, `HTTP ${r.status} ${r.body.toString('utf8').slice(0, 200)}`);
            else if (r.body.length !== ob.size || sha256(r.body) !== ob.sha) fail(op, `wrong bytes for ${ob.key}`);
          } else if (op === 'PUT') {
            const r = await client.putObject(bucket, `write/${w}/${wr.int(0, 9)}`, wr.bytes(wr.pick([1024, 8192, 65_536])));
            if (r.status !== 200) fail(op, `HTTP ${r.status} ${r.body.toString('utf8').slice(0, 200)}`);
          } else if (op === 'LIST') {
            const r = await client.request({ method: 'GET', bucket, query: [['list-type', '2'], ['max-keys', '100'], ['prefix', wr.bool() ? 'read/' : 'write/']] });
            if (r.status !== 200) fail(op, `HTTP ${r.status}`);
          } else {
            const r = await client.deleteObject(bucket, `write/${w}/${wr.int(0, 9)}`);
            // deleting a key that is not there is still 204 in OSS: both are expected
            if (r.status !== 204 && r.status !== 200) fail(op, `HTTP ${r.status}`);
          }
        } catch (err) {
          fail(op, String(err));
        }
        st.count++;
        st.latencies.push(performance.now() - start);
      }
    };
    await Promise.all(Array.from({ length: o.concurrency }, (_, w) => worker(w)));
    clearInterval(sampler);
    sampleRss();
    const elapsed = (Date.now() - t0) / 1000;
    const all = [...stats.values()].flatMap((s) => s.latencies);
    const requests = [...stats.values()].reduce((a, s) => a + s.count, 0);
    const errors = [...stats.values()].reduce((a, s) => a + s.errors, 0);
    // RSS "start" is taken after warm-up (the first tenth of the run, at least 2 samples)
    const warm = Math.max(2, Math.floor(rssSamples.length / 10));
    const steady = rssSamples.slice(Math.min(warm, rssSamples.length - 1));
    const report: SoakReport = {
      seed: o.seed,
      durationSec: elapsed,
      concurrency: o.concurrency,
      requests,
      errors,
      errorSamples,
      requestsPerSec: requests / elapsed,
      rssStartMiB: steady[0] ?? Number.NaN,
      rssEndMiB: rssSamples[rssSamples.length - 1] ?? Number.NaN,
      rssMaxMiB: Math.max(...rssSamples),
      rssSamplesMiB: rssSamples.map((x) => Math.round(x * 10) / 10),
      ops: Object.fromEntries(
        [...stats].map(([op, s]) => [op, { count: s.count, errors: s.errors, p50: percentile(s.latencies, 50), p99: percentile(s.latencies, 99), max: Math.max(0, ...s.latencies) }]),
      ),
      p99: percentile(all, 99),
    };
    log(formatReport(report));
    return report;
  } finally {
    agent.destroy();
    client.close();
    if (server) {
      await server.stop();
      await sleep(10);
      rmSync(dataDir!, { recursive: true, force: true });
      rmSync(server.logFile, { force: true });
    }
  }
}

export function formatReport(r: SoakReport): string {
  const f = (x: number) => x.toFixed(1);
  const lines = [
    `# soak: ${r.requests} requests in ${f(r.durationSec)} s at concurrency ${r.concurrency} (${f(r.requestsPerSec)} req/s), seed ${r.seed}`,
    `# soak: errors ${r.errors}${r.errorSamples.length ? ` e.g. ${r.errorSamples.slice(0, 3).join(' | ')}` : ''}`,
    `# soak: server RSS start ${f(r.rssStartMiB)} MiB (after warm-up), end ${f(r.rssEndMiB)} MiB, max ${f(r.rssMaxMiB)} MiB`,
    `# soak: latency p99 ${f(r.p99)} ms overall`,
    ...Object.entries(r.ops).map(([op, s]) => `# soak:   ${op.padEnd(14)} ${String(s.count).padStart(8)} req  errors ${s.errors}  p50 ${f(s.p50)} ms  p99 ${f(s.p99)} ms  max ${f(s.max)} ms`),
  ];
  return lines.join('\n');
}
