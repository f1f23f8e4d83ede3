/**
 * Presigned URLs per second: @pail/sign vs ali-oss `signatureUrlV4` vs AWS SDK v3
 * `getSignedUrl`, in one run. Every call signs a distinct key at a distinct time within one
 * day, so only the per-day signing key can be reused. Warm-up, then the median of >= 5 rounds.
 * Also: verifier throughput on the presigned-GET hot path, and browser bundle sizes.
 *
 *   npm run bench:sign [-- --quick]
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import OSS from 'ali-oss';
import { build } from 'esbuild';
import { presignUrl as presignUrlWeb } from '../src/index.js';
import { presignUrl, presignUrlSync } from '../src/node.js';
import type { QueryParam, VerifyRequest } from '../src/verify-api.js';
import { decodeQuery, percentDecodePath, verifyRequest } from '../src/verify.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 5 : 7;
const ROUND_MS = quick ? 150 : 500;
const WARMUP_MS = quick ? 150 : 600;

const AK = 'LTAI5tBenchAccessKey';
const SK = 'bench-secret-0123456789abcdef';
const BUCKET = 'bench-bucket';
const DAY = Date.UTC(2025, 5, 1);
// A distinct key for every call (built inside the timed loop, equally for every candidate),
// and a distinct second of one day (x-oss-date has 1 s resolution, so 86,400 of them).
const keyOf = (i: number): string => `photos/2025/06/01/IMG_${i} (edit).jpg`;
const at = (i: number): number => DAY + (i % 86_400) * 1000;

type Op = (i: number) => unknown;

interface Result {
  name: string;
  /** Wall-clock ops/s. */
  median: number;
  min: number;
  max: number;
  /** Ops per CPU-second of this process (user + system, all threads): robust to other load. */
  cpu: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Candidate {
  name: string;
  op: Op;
  /** Calls in flight at once (1 = sequential awaits). */
  inFlight?: number;
  /** Run around each batch of calls (ali-oss needs its clock installed). */
  around?: <T>(f: () => Promise<T>) => Promise<T>;
}

/**
 * Warm every candidate up (also sizing its rounds to ~ROUND_MS), then run the rounds
 * interleaved — round r runs each candidate once — so that load from other processes hits all
 * candidates alike. Rates: per round, wall clock and per CPU-second of this process.
 */
async function measureAll(candidates: Candidate[]): Promise<Result[]> {
  const counters = candidates.map(() => 0);
  const run = async (c: Candidate, k: number, n: number): Promise<void> => {
    const body = async (): Promise<void> => {
      const inFlight = c.inFlight ?? 1;
      for (let done = 0; done < n; done += inFlight) {
        if (inFlight === 1) {
          const r = c.op(counters[k]!++);
          if (r instanceof Promise) await r;
        } else {
          const batch: unknown[] = [];
          for (let j = 0; j < inFlight; j++) batch.push(c.op(counters[k]!++));
          await Promise.all(batch);
        }
      }
    };
    await (c.around ? c.around(body) : body());
  };
  const perRound: number[] = [];
  for (const [k, c] of candidates.entries()) {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < WARMUP_MS) {
      await run(c, k, 128);
      n += 128;
    }
    perRound.push(Math.max(256, Math.round((n / (performance.now() - t0)) * ROUND_MS)));
  }
  const wall: number[][] = candidates.map(() => []);
  const cpu: number[][] = candidates.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, c] of candidates.entries()) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await run(c, k, perRound[k]!);
      const ms = performance.now() - t0;
      const used = process.cpuUsage(c0);
      wall[k]!.push(perRound[k]! / (ms / 1000));
      cpu[k]!.push(perRound[k]! / ((used.user + used.system) / 1e6));
    }
  }
  return candidates.map((c, k) => ({
    name: c.name,
    median: median(wall[k]!),
    min: Math.min(...wall[k]!),
    max: Math.max(...wall[k]!),
    cpu: median(cpu[k]!),
  }));
}

/** ali-oss reads `new Date()`; a Date subclass with a settable "now" gives each call its own second. */
function installClock(): { set(ms: number): void; install(): void; restore(): void } {
  const RealDate = Date;
  let now = DAY;
  class BenchDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(now);
      else super(...(args as [number]));
    }
    static override now(): number {
      return now;
    }
  }
  return {
    set: (ms) => {
      now = ms;
    },
    install: () => {
      globalThis.Date = BenchDate as DateConstructor;
    },
    restore: () => {
      globalThis.Date = RealDate;
    },
  };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  console.log(`# @pail/sign presign benchmark${quick ? ' (--quick)' : ''}`);
  console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}`);
  console.log(`${ROUNDS} rounds of ~${ROUND_MS} ms after ${WARMUP_MS} ms warm-up`);
  console.log('columns: median wall-clock ops/s (min..max) | median ops per CPU-second | ratios vs ali-oss (wall, CPU)\n');

  const credentials = { accessKeyId: AK, accessKeySecret: SK };
  const aliClient = new OSS({ accessKeyId: AK, accessKeySecret: SK, bucket: BUCKET, region: 'oss-cn-hangzhou', authorizationV4: true });
  const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: AK, secretAccessKey: SK } });

  // Sanity: every library produces a signed URL for the same key before anything is timed.
  const clock = installClock();
  clock.install();
  const aliSample = await aliClient.signatureUrlV4('GET', 3600, undefined, keyOf(0));
  clock.restore();
  const samples = [
    presignUrlSync({ bucket: BUCKET, key: keyOf(0), expires: 3600, region: 'cn-hangzhou', credentials, date: DAY }).url,
    aliSample,
    await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: keyOf(0) }), { expiresIn: 3600, signingDate: new Date(DAY) }),
  ];
  for (const u of samples) if (!/[?&](x-oss-signature|X-Amz-Signature)=/.test(u)) throw new Error(`unsigned URL: ${u}`);

  const presignOptions = (i: number) => ({
    bucket: BUCKET,
    key: keyOf(i),
    expires: 3600,
    region: 'cn-hangzhou',
    credentials,
    date: at(i),
  });
  const results = await measureAll([
    { name: '@pail/sign presignUrlSync (node:crypto)', op: (i) => presignUrlSync(presignOptions(i)) },
    { name: '@pail/sign presignUrl (Node entry, async)', op: (i) => presignUrl(presignOptions(i)) },
    { name: '@pail/sign presignUrl (universal entry: WebCrypto)', op: (i) => presignUrlWeb(presignOptions(i)) },
    { name: '@pail/sign presignUrl (WebCrypto, 64 in flight)', op: (i) => presignUrlWeb(presignOptions(i)), inFlight: 64 },
    {
      name: 'ali-oss 6.23 signatureUrlV4',
      op: (i) => {
        clock.set(at(i));
        return aliClient.signatureUrlV4('GET', 3600, undefined, keyOf(i));
      },
      around: async (f) => {
        clock.install();
        try {
          return await f();
        } finally {
          clock.restore();
        }
      },
    },
    {
      name: 'AWS SDK v3 getSignedUrl (S3 SigV4)',
      op: (i) =>
        getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: keyOf(i) }), {
          expiresIn: 3600,
          signingDate: new Date(at(i)),
        }),
    },
  ]);

  const ali = results.find((r) => r.name.startsWith('ali-oss'))!;
  const width = Math.max(...results.map((r) => r.name.length));
  for (const r of results) {
    console.log(
      `${r.name.padEnd(width)}  ${fmt(r.median).padStart(9)} ops/s (${fmt(r.min)}..${fmt(r.max)})` +
        ` | ${fmt(r.cpu).padStart(9)} ops/cpu-s | ${(r.median / ali.median).toFixed(2)}x, ${(r.cpu / ali.cpu).toFixed(2)}x`,
    );
  }
  const ours = results[0]!;
  const wallRatio = ours.median / ali.median;
  const cpuRatio = ours.cpu / ali.cpu;
  console.log(
    `\ngoal >= 5x ali-oss (presignUrlSync): ${Math.min(wallRatio, cpuRatio) >= 5 ? 'met' : 'NOT met'}` +
      ` (${wallRatio.toFixed(1)}x wall-clock, ${cpuRatio.toFixed(1)}x per CPU-second)`,
  );

  // Verifier hot path (what the server runs per presigned GET).
  const urls = Array.from({ length: 1000 }, (_, i) =>
    presignUrlSync({ bucket: BUCKET, key: keyOf(i), expires: 3600, region: 'cn-hangzhou', credentials, date: DAY }).url,
  );
  const targets = urls.map((u) => u.slice(u.indexOf('/', 8)));
  const requests: VerifyRequest[] = targets.map((t) => {
    const q = t.indexOf('?');
    return {
      method: 'GET',
      bucket: BUCKET,
      key: (percentDecodePath(t.slice(0, q)) as string).slice(1),
      query: decodeQuery(t.slice(q + 1)) as QueryParam[],
      headers: { host: `${BUCKET}.oss-cn-hangzhou.aliyuncs.com`, 'user-agent': 'bench' },
    };
  });
  const vopts = { now: DAY + 1000, region: 'cn-hangzhou', lookup: (id: string) => (id === AK ? { accessKeyId: AK, accessKeySecret: SK } : undefined) };
  if (!verifyRequest(requests[0]!, vopts).ok) throw new Error('verify sanity check failed');
  const [v1, v2] = await measureAll([
    { name: 'verifyRequest (presigned GET, decoded)', op: (i) => verifyRequest(requests[i % 1000]!, vopts) },
    {
      name: 'decodeQuery + percentDecodePath + verifyRequest',
      op: (i) => {
        const t = targets[i % 1000]!;
        const q = t.indexOf('?');
        const query = decodeQuery(t.slice(q + 1)) as QueryParam[];
        const key = (percentDecodePath(t.slice(0, q)) as string).slice(1);
        return verifyRequest({ method: 'GET', bucket: BUCKET, key, query, headers: requests[0]!.headers }, vopts);
      },
    },
  ]);
  console.log('');
  for (const r of [v1!, v2!]) {
    console.log(`${r.name.padEnd(width)}  ${fmt(r.median).padStart(9)} ops/s (${fmt(r.min)}..${fmt(r.max)}) | ${fmt(r.cpu).padStart(9)} ops/cpu-s`);
  }

  // Bundle sizes.
  const here = dirname(fileURLToPath(import.meta.url));
  const bundle = await build({
    entryPoints: [join(here, '../../src/index.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  const ourCode = bundle.outputFiles[0]!.contents;
  const aliDist = join(dirname(createRequire(import.meta.url).resolve('ali-oss/package.json')), 'dist/aliyun-oss-sdk.min.js');
  const aliCode = readFileSync(aliDist);
  const ourGz = gzipSync(ourCode).length;
  const aliGz = gzipSync(aliCode).length;
  console.log('\nbrowser bundle (minified + gzip):');
  console.log(`  @pail/sign (esbuild, browser ESM):          ${fmt(ourCode.length).padStart(9)} B min  ${fmt(ourGz).padStart(7)} B gzip`);
  console.log(`  ali-oss dist/aliyun-oss-sdk.min.js:         ${fmt(aliCode.length).padStart(9)} B min  ${fmt(aliGz).padStart(7)} B gzip`);
  console.log(`  goal < 5,000 B gzip: ${ourGz < 5000 ? 'met' : 'NOT met'} (${(aliGz / ourGz).toFixed(0)}x smaller than ali-oss)`);
}

await main();
