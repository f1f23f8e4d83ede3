/**
 * Crash consistency (issue 5; docs/durability.md). Runs `pail serve` as a child process, drives a
 * random workload against it from several clients and SIGKILLs it at random moments; after each
 * restart:
 *   - every acknowledged write reads back byte-exact (sha256) with its metadata and ACL;
 *   - an unacknowledged write is either fully old or fully new, never half visible;
 *   - ListObjectsV2 agrees with the reads (keys, sizes, ETags);
 *   - after the startup recovery pass, the data directory holds no temp file and no blob file the
 *     metadata does not reference (meta.db read-only, schema-agnostic: lib/datadir.ts).
 *
 *   npm run test:crash                      100 kills (CI), seed printed
 *   npm run test:crash -- --kills 1000      longer run (or PAIL_CRASH_KILLS=1000)
 *   PAIL_SEED=123 npm run test:crash        replay a seed
 *
 * Each client owns its keys, so at most one operation per key is in flight and "unacknowledged"
 * means exactly one candidate state besides the acknowledged one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspectDataDir } from './lib/datadir.js';
import { type OssResponse, OssClient, xmlTag } from './lib/oss.js';
import { freshDir, REGION, ROOT_CREDENTIALS, ServerProcess } from './lib/server-process.js';
import { chooseSeed, crc64, md5Hex, numberKnob, Rng, sha256, sleep } from './lib/util.js';

const KILLS = numberKnob('--kills', 'PAIL_CRASH_KILLS', 100);
/** Wall-clock cap for the kill loop; CI's promise is ≥100 kills within 5 minutes. */
const MAX_SECONDS = numberKnob('--max-seconds', 'PAIL_CRASH_MAX_SECONDS', KILLS <= 100 ? 290 : KILLS * 5);
const WORKERS = numberKnob('--workers', 'PAIL_CRASH_WORKERS', 4);
const KEYS_PER_WORKER = 5;
const BUCKET = 'crash-consistency';
const PART = 100 * 1024; // OSS minimum part size (all but the last part)

type OpKind =
  | 'PutObject'
  | 'MultipartUpload'
  | 'AppendObject'
  | 'CopyObject'
  | 'DeleteObject'
  | 'DeleteMultipleObjects'
  | 'PutObjectAcl';

/** What a key holds (null = absent). */
interface Version {
  readonly data: Buffer;
  readonly sha: string;
  readonly contentType: string;
  readonly meta: Readonly<Record<string, string>>;
  readonly acl: string;
  /** Expected ETag when it is determined by the bytes alone (simple upload / copy of one). */
  readonly etag?: string;
  readonly appendable: boolean;
}
type State = Version | null;

interface KeyModel {
  readonly key: string;
  confirmed: State;
  /** States an unacknowledged operation may have left (besides `confirmed`). */
  pending: State[];
  busy: boolean;
}

interface LeftoverUpload {
  readonly key: string;
  readonly uploadId: string;
  readonly parts: Array<{ partNumber: number; etag: string; data: Buffer }>;
  readonly target: Omit<Version, 'data' | 'sha'>;
}

class TransportError extends Error {}

const stats = {
  kills: 0,
  killsDuringStartup: 0,
  rounds: 0,
  acked: new Map<string, number>(),
  rejected: new Map<string, number>(),
  unknownResolvedNew: 0,
  unknownResolvedOld: 0,
  objectsVerified: 0,
  recoveredTemp: 0,
  serverErrors: [] as string[],
  maxOrphansBeforeRecovery: 0,
  tempBeforeRecovery: 0,
  orphansBeforeRecovery: 0,
};

function bump(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

function version(data: Buffer, rest: Omit<Version, 'data' | 'sha'>): Version {
  return { data, sha: sha256(data), ...rest };
}

function sameState(observed: State, expected: State): boolean {
  if (observed === null || expected === null) return observed === expected;
  return (
    observed.sha === expected.sha &&
    observed.contentType === expected.contentType &&
    observed.acl === expected.acl &&
    JSON.stringify(observed.meta) === JSON.stringify(expected.meta) &&
    (expected.etag === undefined || observed.etag === expected.etag)
  );
}

function describe(s: State): string {
  if (s === null) return 'absent';
  return `${s.data.length}B sha=${s.sha.slice(0, 12)} ct=${s.contentType} acl=${s.acl} meta=${JSON.stringify(s.meta)} etag=${s.etag ?? '?'}`;
}

/** Transport failures are the kill; an HTTP answer is an answer. */
async function call(p: Promise<OssResponse>): Promise<OssResponse> {
  try {
    return await p;
  } catch (err) {
    throw new TransportError(String(err));
  }
}

function pickSize(rng: Rng): number {
  return rng.pick([0, 1, 17, 4096, 65_536, 200_000, 1_048_576, 2_500_000]);
}

function userMeta(rng: Rng): Record<string, string> {
  const m: Record<string, string> = {};
  const n = rng.int(0, 2);
  for (let i = 0; i < n; i++) m[`m${i}`] = rng.token(rng.int(1, 12));
  return m;
}

function metaHeaders(meta: Readonly<Record<string, string>>): Record<string, string> {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta)) h[`x-oss-meta-${k}`] = v;
  return h;
}

/** Reads a key back as a State (GET + ?acl). */
async function observe(client: OssClient, key: string): Promise<(Version & { etag: string }) | null> {
  const res = await client.getObject(BUCKET, key);
  if (res.status === 404) return null;
  if (res.status !== 200) throw new Error(`GetObject ${key}: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 300)}`);
  assert.equal(Number(res.headers['content-length']), res.body.length, `${key}: Content-Length vs body`);
  // the stored CRC-64 must describe the bytes that survived (Go v2, oss2 and ossutil check it)
  const crc = res.headers['x-oss-hash-crc64ecma'];
  if (crc !== undefined) assert.equal(crc, crc64(res.body), `${key}: x-oss-hash-crc64ecma does not match the bytes`);
  const meta: Record<string, string> = {};
  for (const [h, v] of Object.entries(res.headers)) if (h.startsWith('x-oss-meta-')) meta[h.slice('x-oss-meta-'.length)] = String(v);
  const sorted = Object.fromEntries(Object.entries(meta).sort(([a], [b]) => (a < b ? -1 : 1)));
  const acl = (await client.getObjectAcl(BUCKET, key)) ?? '?';
  const etag = String(res.headers.etag ?? '').replace(/"/g, '');
  return {
    data: res.body,
    sha: sha256(res.body),
    contentType: String(res.headers['content-type'] ?? ''),
    meta: sorted,
    acl,
    etag,
    appendable: res.headers['x-oss-object-type'] === 'Appendable',
  };
}

function sortedMeta(m: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)));
}

class Worker {
  readonly keys: KeyModel[];
  readonly appendKey: KeyModel;
  leftovers: LeftoverUpload[] = [];
  constructor(
    readonly id: number,
    readonly rng: Rng,
  ) {
    this.keys = Array.from({ length: KEYS_PER_WORKER }, (_, i) => ({ key: `w${id}/k${i}`, confirmed: null, pending: [], busy: false }));
    this.appendKey = { key: `w${id}/append`, confirmed: null, pending: [], busy: false };
  }

  allKeys(): KeyModel[] {
    return [...this.keys, this.appendKey];
  }

  /** Runs operations until the server goes away (TransportError) or `stop` says so. */
  async run(client: OssClient, ops: readonly OpKind[], stop: { value: boolean }): Promise<void> {
    while (!stop.value) {
      const op = this.rng.pick(ops);
      try {
        await this.step(client, op);
      } catch (err) {
        if (err instanceof TransportError) return;
        throw err;
      }
    }
  }

  private async acked(km: KeyModel, op: string, res: OssResponse, next: State, okStatus: readonly number[] = [200]): Promise<boolean> {
    km.busy = false;
    if (okStatus.includes(res.status)) {
      km.confirmed = next;
      km.pending = [];
      bump(stats.acked, op);
      return true;
    }
    km.pending = [];
    if (res.status >= 500) stats.serverErrors.push(`${op} ${km.key}: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 300)}`);
    bump(stats.rejected, `${op} ${res.status} ${xmlTag(res.body.toString('utf8'), 'Code') ?? ''}`);
    return false;
  }

  /** Marks `next` as a possible outcome before the request leaves; cleared on an answer. */
  private begin(km: KeyModel, next: State): void {
    km.busy = true;
    km.pending = [next];
  }

  async step(client: OssClient, op: OpKind): Promise<void> {
    const rng = this.rng;
    switch (op) {
      case 'PutObject': {
        const km = rng.pick(this.keys);
        const data = rng.bytes(pickSize(rng));
        const meta = sortedMeta(userMeta(rng));
        const contentType = rng.pick(['application/octet-stream', 'text/plain', 'image/png']);
        const acl = rng.bool(0.2) ? rng.pick(['private', 'public-read']) : 'default';
        const next = version(data, { contentType, meta, acl, etag: md5Hex(data), appendable: false });
        const headers: Record<string, string> = { 'content-type': contentType, ...metaHeaders(meta) };
        if (acl !== 'default') headers['x-oss-object-acl'] = acl;
        this.begin(km, next);
        const res = await call(client.putObject(BUCKET, km.key, data, headers));
        if (await this.acked(km, op, res, next)) assert.equal(String(res.headers.etag).replace(/"/g, ''), md5Hex(data), 'PutObject ETag');
        return;
      }
      case 'MultipartUpload': {
        const km = rng.pick(this.keys);
        const leftover = this.leftovers.find((l) => l.key === km.key);
        if (leftover) {
          this.leftovers = this.leftovers.filter((l) => l !== leftover);
          if (rng.bool(0.5)) {
            // AbortMultipartUpload after a crash: nothing visible changes
            const res = await call(client.abortMultipart(BUCKET, km.key, leftover.uploadId));
            bump(res.status === 204 || res.status === 200 ? stats.acked : stats.rejected, `AbortMultipartUpload(after crash) ${res.status}`);
            if (res.status >= 500) stats.serverErrors.push(`AbortMultipartUpload: ${res.status}`);
            return;
          }
          // Complete with the parts acknowledged before the crash: they must have survived it.
          if (leftover.parts.length === 0) return;
          const data = Buffer.concat(leftover.parts.map((p) => p.data));
          const next = version(data, { ...leftover.target });
          this.begin(km, next);
          const res = await call(client.completeMultipart(BUCKET, km.key, leftover.uploadId, leftover.parts));
          const ok = await this.acked(km, 'CompleteMultipartUpload(after crash)', res, next);
          if (!ok && res.status !== 404) stats.serverErrors.push(`Complete after crash: ${res.status} ${res.body.toString('utf8').slice(0, 300)}`);
          return;
        }
        const contentType = rng.pick(['application/octet-stream', 'video/mp4']);
        const meta = sortedMeta(userMeta(rng));
        const target = { contentType, meta, acl: 'default', appendable: false } as const;
        let uploadId: string;
        {
          const res = await call(client.request({ method: 'POST', bucket: BUCKET, key: km.key, query: [['uploads', null]], headers: { 'content-type': contentType, ...metaHeaders(meta) } }));
          if (res.status !== 200) {
            bump(stats.rejected, `InitiateMultipartUpload ${res.status}`);
            if (res.status >= 500) stats.serverErrors.push(`Initiate: ${res.status}`);
            return;
          }
          uploadId = xmlTag(res.body.toString('utf8'), 'UploadId') ?? '';
          bump(stats.acked, 'InitiateMultipartUpload');
        }
        const lo: LeftoverUpload = { key: km.key, uploadId, parts: [], target };
        this.leftovers.push(lo);
        const nParts = rng.int(1, 3);
        for (let n = 1; n <= nParts; n++) {
          const size = n < nParts ? PART + rng.int(0, 50_000) : rng.int(1, PART + 10_000);
          const data = rng.bytes(size);
          const res = await call(client.uploadPart(BUCKET, km.key, uploadId, n, data));
          if (res.status !== 200) {
            bump(stats.rejected, `UploadPart ${res.status}`);
            if (res.status >= 500) stats.serverErrors.push(`UploadPart: ${res.status} ${res.body.toString('utf8').slice(0, 200)}`);
            return;
          }
          const etag = String(res.headers.etag ?? '').replace(/"/g, '');
          assert.equal(etag, md5Hex(data), 'UploadPart ETag');
          lo.parts.push({ partNumber: n, etag, data });
          bump(stats.acked, 'UploadPart');
        }
        const data = Buffer.concat(lo.parts.map((p) => p.data));
        const next = version(data, { ...target });
        this.begin(km, next);
        const res = await call(client.completeMultipart(BUCKET, km.key, uploadId, lo.parts));
        if (res.status === 200 || res.status >= 400) this.leftovers = this.leftovers.filter((l) => l !== lo);
        await this.acked(km, 'CompleteMultipartUpload', res, next);
        return;
      }
      case 'AppendObject': {
        const km = this.appendKey;
        const cur = km.confirmed;
        if (cur && cur.data.length > 3_000_000) {
          this.begin(km, null);
          const res = await call(client.deleteObject(BUCKET, km.key));
          await this.acked(km, 'DeleteObject', res, null, [204, 200]);
          return;
        }
        const position = cur?.data.length ?? 0;
        const chunk = rng.bytes(rng.pick([1, 100, 4096, 70_000, 300_000]));
        const meta = cur ? cur.meta : sortedMeta(userMeta(rng));
        const contentType = cur ? cur.contentType : 'text/plain';
        const next = version(Buffer.concat([cur?.data ?? Buffer.alloc(0), chunk]), { contentType, meta, acl: cur?.acl ?? 'default', appendable: true });
        this.begin(km, next);
        const res = await call(client.appendObject(BUCKET, km.key, position, chunk, cur ? {} : { 'content-type': contentType, ...metaHeaders(meta) }));
        if (await this.acked(km, op, res, next)) {
          assert.equal(Number(res.headers['x-oss-next-append-position']), next.data.length, 'x-oss-next-append-position');
        }
        return;
      }
      case 'CopyObject': {
        const sources = this.keys.filter((k) => k.confirmed !== null && !k.busy);
        if (sources.length === 0) return;
        const src = rng.pick(sources);
        const km = rng.pick(this.keys.filter((k) => k !== src));
        const s = src.confirmed!;
        // Default x-oss-metadata-directive COPY: bytes, content type and user metadata travel; the
        // ACL is set explicitly so the model does not depend on whether a copy inherits it.
        const acl = rng.pick(['private', 'public-read']);
        const next = version(s.data, { contentType: s.contentType, meta: s.meta, acl, appendable: false });
        this.begin(km, next);
        const res = await call(client.copyObject(BUCKET, km.key, BUCKET, src.key, { 'x-oss-object-acl': acl }));
        await this.acked(km, op, res, next);
        return;
      }
      case 'DeleteObject': {
        const km = rng.pick(this.keys);
        this.begin(km, null);
        const res = await call(client.deleteObject(BUCKET, km.key));
        await this.acked(km, op, res, null, [204, 200]);
        return;
      }
      case 'DeleteMultipleObjects': {
        const chosen = this.keys.filter(() => rng.bool(0.5)).slice(0, 3);
        if (chosen.length === 0) return;
        for (const km of chosen) this.begin(km, null);
        const res = await call(client.deleteMultiple(BUCKET, chosen.map((k) => k.key), rng.bool()));
        for (const km of chosen) {
          // one acknowledgement per request, not per key
          km.busy = false;
          if (res.status === 200) {
            km.confirmed = null;
            km.pending = [];
          } else km.pending = [];
        }
        if (res.status === 200) bump(stats.acked, op);
        else {
          bump(stats.rejected, `${op} ${res.status}`);
          if (res.status >= 500) stats.serverErrors.push(`${op}: ${res.status} ${res.body.toString('utf8').slice(0, 200)}`);
        }
        return;
      }
      case 'PutObjectAcl': {
        const candidates = this.allKeys().filter((k) => k.confirmed !== null);
        if (candidates.length === 0) return;
        const km = rng.pick(candidates);
        const acl = rng.pick(['private', 'public-read', 'public-read-write', 'default']);
        const next: Version = { ...km.confirmed!, acl };
        this.begin(km, next);
        const res = await call(client.putObjectAcl(BUCKET, km.key, acl));
        await this.acked(km, op, res, next);
        return;
      }
    }
  }
}

/** Tries each operation once on a scratch key; 501/405/400-NotImplemented means "not supported yet". */
async function detectSupport(client: OssClient): Promise<{ supported: OpKind[]; unsupported: Array<{ op: OpKind; status: number; code: string }> }> {
  const supported: OpKind[] = [];
  const unsupported: Array<{ op: OpKind; status: number; code: string }> = [];
  const k = 'probe/object';
  const note = (op: OpKind, res: OssResponse, ok: boolean) => {
    if (ok) supported.push(op);
    else unsupported.push({ op, status: res.status, code: xmlTag(res.body.toString('utf8'), 'Code') ?? '' });
  };
  const put = await client.putObject(BUCKET, k, Buffer.from('probe'));
  note('PutObject', put, put.status === 200);
  assert.equal(put.status, 200, `PutObject must work: ${put.body.toString('utf8')}`);
  {
    const init = await client.request({ method: 'POST', bucket: BUCKET, key: 'probe/mpu', query: [['uploads', null]] });
    let ok = init.status === 200;
    let last = init;
    if (ok) {
      const id = xmlTag(init.body.toString('utf8'), 'UploadId')!;
      const part = await client.uploadPart(BUCKET, 'probe/mpu', id, 1, Buffer.from('x'));
      last = part;
      ok = part.status === 200;
      if (ok) {
        const done = await client.completeMultipart(BUCKET, 'probe/mpu', id, [{ partNumber: 1, etag: String(part.headers.etag).replace(/"/g, '') }]);
        last = done;
        ok = done.status === 200;
      }
    }
    note('MultipartUpload', last, ok);
  }
  {
    const res = await client.appendObject(BUCKET, 'probe/append', 0, Buffer.from('a'));
    note('AppendObject', res, res.status === 200);
  }
  {
    const res = await client.copyObject(BUCKET, 'probe/copy', BUCKET, k);
    note('CopyObject', res, res.status === 200);
  }
  {
    const res = await client.deleteObject(BUCKET, 'probe/copy');
    note('DeleteObject', res, res.status === 204 || res.status === 200);
  }
  {
    const res = await client.deleteMultiple(BUCKET, ['probe/append', 'probe/mpu']);
    note('DeleteMultipleObjects', res, res.status === 200);
  }
  {
    const res = await client.putObjectAcl(BUCKET, k, 'public-read');
    note('PutObjectAcl', res, res.status === 200 && (await client.getObjectAcl(BUCKET, k)) === 'public-read');
  }
  for (const key of ['probe/object', 'probe/append', 'probe/mpu', 'probe/copy']) await client.deleteObject(BUCKET, key);
  return { supported, unsupported };
}

test(`crash consistency: ${KILLS} SIGKILLs under a random workload`, { timeout: Math.min(2 ** 31 - 1, (MAX_SECONDS + 120) * 1000) }, async (t) => {
  const seed = chooseSeed('crash', 20251129);
  const rng = new Rng(seed);
  const dataDir = freshDir('crash');
  const t0 = Date.now();
  let server = await ServerProcess.start({ dataDir });
  let client = OssClient.forUrl(server.url, ROOT_CREDENTIALS, REGION);
  await client.putBucket(BUCKET);
  const support = await detectSupport(client);
  console.log(`# crash: operations exercised: ${support.supported.join(', ')}`);
  if (support.unsupported.length)
    console.log(`# crash: not supported by this server (skipped): ${support.unsupported.map((u) => `${u.op} (${u.status} ${u.code})`).join(', ')}`);
  const ops = support.supported;
  const workers = Array.from({ length: WORKERS }, (_, i) => new Worker(i, new Rng(rng.nextU32())));
  const allKeys = () => workers.flatMap((w) => w.allKeys());
  let failed = true;
  try {
    while (stats.kills < KILLS && (Date.now() - t0) / 1000 < MAX_SECONDS) {
      stats.rounds++;
      // ---- workload, killed at a random moment ----
      const stop = { value: false };
      const running = workers.map((w) => w.run(client, ops, stop));
      const delay = rng.pick([rng.int(0, 30), rng.int(20, 250), rng.int(100, 800)]);
      await sleep(delay);
      await server.kill('SIGKILL');
      stats.kills++;
      stop.value = true;
      await Promise.all(running);
      client.close();

      // ---- before recovery: what a crash leaves behind (informational) ----
      const before = inspectDataDir(dataDir);
      stats.tempBeforeRecovery += before.tempFiles.length;
      stats.orphansBeforeRecovery += before.orphans.length;

      // Sometimes crash again during startup recovery itself.
      if (rng.bool(0.08) && stats.kills < KILLS) {
        const early = ServerProcess.spawn({ dataDir });
        await sleep(rng.int(30, 400));
        await early.kill('SIGKILL');
        stats.kills++;
        stats.killsDuringStartup++;
      }

      // ---- restart: recovery runs before the listener accepts ----
      server = await ServerProcess.start({ dataDir });
      client = OssClient.forUrl(server.url, ROOT_CREDENTIALS, REGION);

      const after = inspectDataDir(dataDir);
      assert.deepEqual(after.tempFiles, [], `temp files left after recovery (kill ${stats.kills}, seed ${seed})`);
      assert.deepEqual(after.orphans, [], `orphan blobs after recovery (kill ${stats.kills}, seed ${seed}); referenced=${after.referencedPresent}`);
      assert.deepEqual(after.otherFiles.filter((f) => !/\.(log|json|lock|pid)$/.test(f)), [], 'unexpected files in the data dir');

      // ---- every key: acknowledged, or exactly one unacknowledged candidate, fully ----
      const present = new Map<string, string>();
      for (const km of allKeys()) {
        const obs = await observe(client, km.key);
        const allowed: State[] = [km.confirmed, ...km.pending];
        const match = allowed.find((s) => sameState(obs === null ? null : { ...obs, etag: obs.etag }, s));
        if (match === undefined) {
          assert.fail(
            `kill ${stats.kills} (seed ${seed}): ${km.key} is ${describe(obs)}; allowed: ${allowed.map(describe).join(' | ')}`,
          );
        }
        if (km.pending.length) {
          if (match === km.confirmed) stats.unknownResolvedOld++;
          else stats.unknownResolvedNew++;
        }
        km.confirmed = obs === null ? null : { ...match!, etag: obs.etag, appendable: obs.appendable };
        km.pending = [];
        km.busy = false;
        if (obs) present.set(km.key, `${obs.data.length}:${obs.etag}`);
        stats.objectsVerified++;
      }
      // ---- listings agree with reads ----
      const listed = await client.listAll(BUCKET, 'w');
      const listedMap = new Map(listed.map((o) => [o.key, `${o.size}:${o.etag}`]));
      assert.deepEqual(
        [...listedMap.entries()].sort(),
        [...present.entries()].sort(),
        `kill ${stats.kills}: ListObjectsV2 disagrees with GetObject (seed ${seed})`,
      );
      if (stats.kills % 10 === 0) {
        const secs = ((Date.now() - t0) / 1000).toFixed(0);
        console.log(`# crash: ${stats.kills} kills, ${secs}s, ${stats.objectsVerified} object checks, unknown outcomes old/new ${stats.unknownResolvedOld}/${stats.unknownResolvedNew}`);
      }
    }
    await server.stop();
    // after a graceful stop (pending blob deletions drained), with the process gone
    const final = inspectDataDir(dataDir);
    assert.deepEqual(final.tempFiles, [], 'temp files after a graceful stop');
    assert.deepEqual(final.orphans, [], 'unreferenced blobs after a graceful stop');
    failed = false;
    const secs = (Date.now() - t0) / 1000;
    console.log(`# crash: ${stats.kills} kills (${stats.killsDuringStartup} during startup recovery) in ${secs.toFixed(1)} s, seed ${seed}`);
    console.log(`# crash: acknowledged: ${JSON.stringify(Object.fromEntries(stats.acked))}`);
    console.log(`# crash: rejected: ${JSON.stringify(Object.fromEntries(stats.rejected))}`);
    console.log(
      `# crash: unacknowledged outcomes seen after restart: old ${stats.unknownResolvedOld}, new ${stats.unknownResolvedNew}; object checks ${stats.objectsVerified}`,
    );
    console.log(
      `# crash: left by kills before recovery (summed): temp files ${stats.tempBeforeRecovery}, unreferenced blobs ${stats.orphansBeforeRecovery}; after recovery: 0 / 0; final blobs ${final.blobFiles.length}`,
    );
    assert.deepEqual(stats.serverErrors, [], 'HTTP 5xx during the workload');
    assert.ok(stats.kills >= KILLS, `only ${stats.kills} kills in ${MAX_SECONDS} s (wanted ${KILLS})`);
    assert.ok((stats.acked.get('PutObject') ?? 0) > 0, 'no PutObject was ever acknowledged');
  } finally {
    client.close();
    await server.kill('SIGKILL');
    if (!failed && !process.env.PAIL_KEEP_DATA) server.removeFiles();
    else t.diagnostic(`data dir kept: ${dataDir} (log ${server.logFile})`);
  }
});
