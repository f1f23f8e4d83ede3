/**
 * The durability contract (docs/durability.md), checked on the real syscalls: the server runs
 * under `strace -f -yy` and, for every acknowledged write, the trace must show
 *
 *   fsync(temp blob) → rename(temp → blob) → fsync(blob directory) → fsync(meta.db[-wal]) → response
 *
 * where "→" means the first call had returned before the second one started (threads included).
 * Metadata-only writes (DeleteObject, PutObjectAcl) still need the database fsync before the
 * response. Needs Debian `strace` (.ci/run installs it).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { type OssResponse, OssClient, xmlTag } from './lib/oss.js';
import { freshDir, REGION, ROOT_CREDENTIALS, ServerProcess } from './lib/server-process.js';
import { describeSyscall, isRename, isSocketWrite, isSync, parseStrace, type Syscall } from './lib/strace.js';
import { Rng, sleep } from './lib/util.js';

const BUCKET = 'durability';
const haveStrace = spawnSync('strace', ['-V']).status === 0;

interface Case {
  readonly name: string;
  /** Does the acknowledged operation have to put bytes in a new blob? */
  readonly writesBlob: boolean;
  readonly run: (c: OssClient) => Promise<OssResponse>;
}

function lineCount(file: string): number {
  const s = readFileSync(file, 'utf8');
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

/** The events since `fromLine`, once the response carrying `requestId` shows up (strace lags a little). */
async function traceFor(file: string, fromLine: number, requestId: string): Promise<Syscall[]> {
  for (let i = 0; i < 250; i++) {
    const events = parseStrace(readFileSync(file, 'utf8'), fromLine);
    if (events.some((e) => isResponse(e, requestId))) return events;
    await sleep(20);
  }
  throw new Error(`the response ${requestId} never showed up in the trace`);
}

/** The socket write that starts this response (-s 600 shows the whole header block). */
function isResponse(e: Syscall, requestId: string): boolean {
  return isSocketWrite(e) && /"HTTP\/1\.1 2\d\d/.test(e.args) && e.args.includes(`x-oss-request-id: ${requestId}`);
}

const isDb = (path: string | undefined) => !!path && /\/meta\.db(-wal|-journal)?$/.test(path);

/** Asserts the contract on one operation's events; returns a one-line summary. */
function checkOrder(name: string, events: Syscall[], dataDir: string, writesBlob: boolean, requestId: string): string {
  const inData = (p: string | undefined) => !!p && p.startsWith(dataDir);
  const response = events.find((e) => isResponse(e, requestId));
  assert.ok(response, `${name}: no 2xx response write in the trace`);
  const before = events.filter((e) => e.end < response.start);
  const syncs = before.filter((e) => isSync(e) && inData(e.fdPath) && e.ret.trim() === '0');
  const renames = before.filter((e) => isRename(e) && inData(e.to) && e.ret.trim() === '0');
  const dbSyncs = syncs.filter((e) => isDb(e.fdPath));
  const dump = () => events.filter((e) => isSync(e) || isRename(e) || e.name === 'pwrite64' || isSocketWrite(e)).map(describeSyscall).join('\n');
  if (writesBlob) assert.ok(renames.length > 0, `${name}: no rename into the data directory before the response\n${dump()}`);
  let lastDirSync = -1;
  for (const r of renames) {
    const blobSync = syncs.find((s) => s.fdPath === r.from && s.end < r.start);
    assert.ok(blobSync, `${name}: rename ${r.from} → ${r.to} without a completed fsync of ${r.from} before it\n${dump()}`);
    const dirSync = syncs.find((s) => s.fdPath === dirname(r.to!) && s.start > r.end);
    assert.ok(dirSync, `${name}: no fsync of ${dirname(r.to!)} after renaming ${r.to} (and before the response)\n${dump()}`);
    lastDirSync = Math.max(lastDirSync, dirSync.end);
  }
  const commit = dbSyncs.find((s) => s.start > lastDirSync);
  assert.ok(commit, `${name}: no database fsync after the blob was durable and before the response\n${dump()}`);
  // The commit's WAL/journal write itself must not precede the blob's durability either.
  const walWrites = before.filter((e) => e.name === 'pwrite64' && isDb(e.fdPath) && e.start < commit.start);
  const lastWal = walWrites[walWrites.length - 1];
  if (lastWal && renames.length) assert.ok(lastWal.start > lastDirSync, `${name}: metadata written before the blob directory was fsynced\n${dump()}`);
  return `${name}: ${renames.length} rename(s), ${syncs.length - dbSyncs.length} file/dir fsync(s), ${dbSyncs.length} db fsync(s) before the response — order ok`;
}

test('durability: fsync(blob) → rename → fsync(dir) → db fsync → response, under strace', { skip: !haveStrace && 'strace not installed', timeout: 240_000 }, async (t) => {
  const rng = new Rng(7);
  const dataDir = freshDir('durability');
  const traceFile = `${dataDir}.strace`;
  const server = await ServerProcess.start({
    dataDir,
    wrap: ['strace', '-f', '-qq', '-yy', '-s', '600', '-e', 'trace=fsync,fdatasync,rename,renameat,renameat2,pwrite64,write,writev', '-o', traceFile],
    readyTimeoutMs: 90_000,
  });
  const client = OssClient.forUrl(server.url, ROOT_CREDENTIALS, REGION, { maxSockets: 1 });
  let ok = false;
  try {
    await client.putBucket(BUCKET);
    let uploadId = '';
    const parts: Array<{ partNumber: number; etag: string }> = [];
    const cases: Case[] = [
      { name: 'PutObject 1 B', writesBlob: true, run: (c) => c.putObject(BUCKET, 'small', Buffer.from('x')) },
      { name: 'PutObject 3 MiB', writesBlob: true, run: (c) => c.putObject(BUCKET, 'large', rng.bytes(3 << 20)) },
      { name: 'PutObject overwrite', writesBlob: true, run: (c) => c.putObject(BUCKET, 'small', rng.bytes(70_000)) },
      {
        name: 'UploadPart 1',
        writesBlob: true,
        run: async (c) => {
          uploadId = await c.initiateMultipart(BUCKET, 'mpu');
          const r = await c.uploadPart(BUCKET, 'mpu', uploadId, 1, rng.bytes(120_000));
          parts.push({ partNumber: 1, etag: String(r.headers.etag).replace(/"/g, '') });
          return r;
        },
      },
      {
        name: 'UploadPart 2',
        writesBlob: true,
        run: async (c) => {
          const r = await c.uploadPart(BUCKET, 'mpu', uploadId, 2, rng.bytes(5000));
          parts.push({ partNumber: 2, etag: String(r.headers.etag).replace(/"/g, '') });
          return r;
        },
      },
      { name: 'CompleteMultipartUpload', writesBlob: false, run: (c) => c.completeMultipart(BUCKET, 'mpu', uploadId, parts) },
      { name: 'AppendObject (create)', writesBlob: true, run: (c) => c.appendObject(BUCKET, 'log', 0, rng.bytes(1000)) },
      { name: 'AppendObject (append)', writesBlob: true, run: (c) => c.appendObject(BUCKET, 'log', 1000, rng.bytes(200_000)) },
      { name: 'CopyObject', writesBlob: false, run: (c) => c.copyObject(BUCKET, 'copy', BUCKET, 'large') },
      { name: 'PutObjectAcl', writesBlob: false, run: (c) => c.putObjectAcl(BUCKET, 'small', 'public-read') },
      { name: 'DeleteObject', writesBlob: false, run: (c) => c.deleteObject(BUCKET, 'small') },
    ];
    const unsupported: string[] = [];
    let checked = 0;
    for (const c of cases) {
      const from = lineCount(traceFile);
      let res: OssResponse;
      try {
        res = await c.run(client);
      } catch (err) {
        unsupported.push(`${c.name} (${String(err).slice(0, 80)})`);
        continue;
      }
      if (res.status === 501 || (res.status >= 400 && res.status < 500 && c.name !== 'PutObject 1 B')) {
        unsupported.push(`${c.name} (${res.status} ${xmlTag(res.body.toString('utf8'), 'Code') ?? ''})`);
        continue;
      }
      assert.ok(res.status >= 200 && res.status < 300, `${c.name}: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 200)}`);
      const requestId = String(res.headers['x-oss-request-id']);
      const events = await traceFor(traceFile, from, requestId);
      t.diagnostic(checkOrder(c.name, events, dataDir, c.writesBlob, requestId));
      checked++;
    }
    if (unsupported.length) t.diagnostic(`not supported by this server (not checked): ${unsupported.join('; ')}`);
    console.log(`# durability: ${checked} operations checked under strace`);
    assert.ok(checked >= 4, 'too few operations could be checked');
    ok = true;
  } finally {
    client.close();
    await server.kill('SIGKILL');
    if (ok) {
      server.removeFiles();
      rmSync(traceFile, { force: true });
    } else t.diagnostic(`kept ${dataDir} and ${traceFile}`);
  }
});

test('the order checker rejects traces that break the contract', () => {
  const D = '/data';
  const line = (pid: number, s: string) => `${pid} ${s}`;
  const good = [
    line(1, 'fsync(20</data/tmp/a.tmp>) = 0'),
    line(2, 'rename("/data/tmp/a.tmp", "/data/blobs/ab/id1") = 0'),
    line(3, 'fsync(21</data/blobs/ab>) = 0'),
    line(1, 'pwrite64(9</data/meta.db-wal>, "..."..., 4096, 0) = 4096'),
    line(1, 'fdatasync(9</data/meta.db-wal>) = 0'),
    line(1, 'writev(30<TCP:[127.0.0.1:9000->127.0.0.1:5000]>, [{iov_base="HTTP/1.1 200 OK\\r\\nx-oss-request-id: R1\\r\\n"...}], 1) = 100'),
  ];
  assert.match(checkOrder('good', parseStrace(good.join('\n')), D, true, 'R1'), /order ok/);
  const broken: Array<[string, string[]]> = [
    ['no blob fsync', good.filter((_, i) => i !== 0)],
    ['no dir fsync', good.filter((_, i) => i !== 2)],
    ['no db fsync', good.filter((_, i) => i !== 4)],
    ['response before db fsync', [good[0]!, good[1]!, good[2]!, good[3]!, good[5]!, good[4]!]],
    ['rename before blob fsync', [good[1]!, good[0]!, ...good.slice(2)]],
    ['metadata before dir fsync', [good[0]!, good[1]!, good[3]!, good[2]!, good[4]!, good[5]!]],
    [
      'blob fsync still running when rename starts',
      [line(1, 'fsync(20</data/tmp/a.tmp> <unfinished ...>'), good[1]!, line(1, '<... fsync resumed>) = 0'), ...good.slice(2)],
    ],
  ];
  for (const [name, lines] of broken) {
    assert.throws(() => checkOrder(name, parseStrace(lines.join('\n')), D, true, 'R1'), assert.AssertionError, `${name}: not detected`);
  }
});
