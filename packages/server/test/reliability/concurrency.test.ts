/**
 * Concurrency (issue 5): racing writers on one key, readers during overwrites, a download that
 * outlives an overwrite and a delete of its object, multipart completes racing with aborts.
 * Real process, real sockets; every body is checked by sha256 against the versions that were
 * written, so a mix of two versions cannot pass.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { OssClient, xmlBlocks, xmlTag } from './lib/oss.js';
import { freshDir, REGION, ROOT_CREDENTIALS, ServerProcess } from './lib/server-process.js';
import { chooseSeed, crc64, md5Hex, Rng, sha256, sleep } from './lib/util.js';

const BUCKET = 'concurrency';
let server: ServerProcess;
let client: OssClient;
let dataDir: string;
let rng: Rng;

before(async () => {
  rng = new Rng(chooseSeed('concurrency', 4242));
  dataDir = freshDir('concurrency');
  server = await ServerProcess.start({ dataDir });
  client = OssClient.forUrl(server.url, ROOT_CREDENTIALS, REGION, { maxSockets: 128 });
  await client.putBucket(BUCKET);
});

after(async () => {
  client?.close();
  const exited = server.child.exitCode !== null;
  await server?.stop();
  if (!exited) server.removeFiles();
});

function assertAlive(): void {
  assert.equal(server.child.exitCode, null, `server died:\n${server.logTail()}`);
}

test('many clients writing one key: exactly one write wins, intact', async () => {
  let rounds = 0;
  for (let round = 0; round < 5; round++) {
    const key = `same/${round}`;
    const versions = Array.from({ length: 24 }, (_, i) => rng.bytes(i % 3 === 0 ? 700_000 + i : 20_000 + i * 1000));
    const shas = new Set(versions.map(sha256));
    const results = await Promise.all(versions.map((v) => client.putObject(BUCKET, key, v, { 'x-oss-meta-sha': sha256(v) })));
    for (const r of results) assert.equal(r.status, 200, r.body.toString('utf8'));
    const got = await client.getObject(BUCKET, key);
    assert.equal(got.status, 200);
    const s = sha256(got.body);
    assert.ok(shas.has(s), 'the object is not one of the written versions');
    // metadata belongs to the same write as the bytes
    assert.equal(got.headers['x-oss-meta-sha'], s, 'bytes and metadata come from different writes');
    assert.equal(String(got.headers.etag).replace(/"/g, ''), md5Hex(got.body), 'ETag is not the MD5 of the bytes');
    if (got.headers['x-oss-hash-crc64ecma'] !== undefined) assert.equal(got.headers['x-oss-hash-crc64ecma'], crc64(got.body), 'CRC-64 of another write');
    const listed = (await client.listAll(BUCKET, key)).filter((o) => o.key === key);
    assert.equal(listed.length, 1);
    assert.equal(listed[0]!.size, got.body.length);
    rounds++;
  }
  assertAlive();
  console.log(`# concurrency: ${rounds} rounds of 24 racing writers`);
});

test('readers during overwrites see the old or the new bytes, never a mix', async () => {
  const key = 'overwrite/hot';
  const versions: Buffer[] = [];
  const shas = new Set<string>();
  const write = async (size: number) => {
    const v = rng.bytes(size);
    versions.push(v);
    shas.add(sha256(v));
    const r = await client.putObject(BUCKET, key, v);
    assert.equal(r.status, 200);
  };
  await write(1_000_000);
  let stop = false;
  let reads = 0;
  let ranged = 0;
  const writer = (async () => {
    for (let i = 0; i < 30; i++) await write(rng.pick([1_000_000, 1_000_000, 300_000, 2_000_000]));
    stop = true;
  })();
  const readers = Array.from({ length: 8 }, async (_, i) => {
    while (!stop) {
      if (i % 2 === 0) {
        const r = await client.getObject(BUCKET, key);
        assert.equal(r.status, 200);
        assert.ok(shas.has(sha256(r.body)), `GET returned ${r.body.length} bytes matching no written version`);
        assert.equal(Number(r.headers['content-length']), r.body.length);
        reads++;
      } else {
        const start = rng.int(0, 250_000);
        const end = start + rng.int(0, 40_000);
        const r = await client.getObject(BUCKET, key, { range: `bytes=${start}-${end}` });
        assert.equal(r.status, 206, `range read: HTTP ${r.status}`);
        const match = versions.some((v) => v.subarray(start, end + 1).equals(r.body));
        assert.ok(match, `Range ${start}-${end} returned bytes matching no written version`);
        ranged++;
      }
    }
  });
  await Promise.all([writer, ...readers]);
  assertAlive();
  console.log(`# concurrency: ${reads} full reads and ${ranged} ranged reads during 30 overwrites`);
  assert.ok(reads + ranged > 10);
});

/** Starts a GET, reads the first chunk, then stops reading until `resume()`. */
function pausedDownload(path: string, headers: Record<string, string>): Promise<{ status: number; resume: () => Promise<Buffer>; first: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers, agent: false }, (res) => {
      res.once('data', (first: Buffer) => {
        res.pause();
        resolve({
          status: res.statusCode ?? 0,
          first,
          resume: () =>
            new Promise((res2, rej2) => {
              const chunks: Buffer[] = [first];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () => res2(Buffer.concat(chunks)));
              res.on('error', rej2);
              res.on('aborted', () => rej2(new Error('download aborted by the server')));
              res.resume();
            }),
        });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

test('a download in progress keeps streaming its bytes through an overwrite and a delete', async () => {
  const key = 'stream/big';
  const original = rng.bytes(24 << 20);
  assert.equal((await client.putObject(BUCKET, key, original)).status, 200);
  // header-signed and presigned downloads, one overwrite-then-delete each
  const signed = client.signedHeaders({ method: 'GET', bucket: BUCKET, key });
  const downloads = [
    await pausedDownload(client.target(BUCKET, key, []), signed),
    await pausedDownload(client.presignV4('GET', BUCKET, key), {}),
    await pausedDownload(client.presignV1('GET', BUCKET, key), {}),
  ];
  for (const d of downloads) assert.equal(d.status, 200);
  await sleep(100);
  assert.equal((await client.putObject(BUCKET, key, rng.bytes(1000))).status, 200);
  const del = await client.deleteObject(BUCKET, key);
  assert.ok(del.status === 204 || del.status === 200);
  assert.equal((await client.getObject(BUCKET, key)).status, 404);
  const bodies = await Promise.all(downloads.map((d) => d.resume()));
  for (const b of bodies) {
    assert.equal(b.length, original.length, 'download truncated after overwrite/delete');
    assert.equal(sha256(b), sha256(original), 'download changed bytes mid-stream');
  }
  assertAlive();
});

test('multipart: completes racing with aborts resolve cleanly', async (t) => {
  const outcomes = new Map<string, number>();
  const rounds = 12;
  for (let i = 0; i < rounds; i++) {
    const key = `mpu/race-${i}`;
    const init = await client.request({ method: 'POST', bucket: BUCKET, key, query: [['uploads', null]] });
    if (init.status !== 200) {
      t.skip(`multipart not supported by this server (${init.status})`);
      return;
    }
    const uploadId = xmlTag(init.body.toString('utf8'), 'UploadId')!;
    const datas = [rng.bytes(100 * 1024 + 7), rng.bytes(100 * 1024), rng.bytes(33)];
    const parts: Array<{ partNumber: number; etag: string }> = [];
    for (let n = 0; n < datas.length; n++) {
      const r = await client.uploadPart(BUCKET, key, uploadId, n + 1, datas[n]!);
      assert.equal(r.status, 200, r.body.toString('utf8'));
      parts.push({ partNumber: n + 1, etag: String(r.headers.etag).replace(/"/g, '') });
    }
    const kinds: Array<'complete' | 'abort'> = [...Array<'complete'>(1 + (i % 3)).fill('complete'), ...Array<'abort'>(1 + (i % 2)).fill('abort')];
    // alternate who gets a head start
    if (i % 2) kinds.reverse();
    const res = await Promise.all(
      kinds.map((k) => (k === 'complete' ? client.completeMultipart(BUCKET, key, uploadId, parts) : client.abortMultipart(BUCKET, key, uploadId))),
    );
    let anyCompleted = false;
    res.forEach((r, idx) => {
      assert.ok(r.status < 500, `HTTP ${r.status}: ${r.body.toString('utf8').slice(0, 300)}`);
      const code = r.status >= 400 ? xmlTag(r.body.toString('utf8'), 'Code') : 'ok';
      const label = `${kinds[idx]} ${r.status} ${code}`;
      outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
      if (r.status >= 400) assert.equal(code, 'NoSuchUpload', `unexpected error ${r.status} ${r.body.toString('utf8').slice(0, 200)}`);
      if (kinds[idx] === 'complete' && r.status === 200) anyCompleted = true;
    });
    // an acknowledged abort and an acknowledged complete of the same upload contradict each other
    const anyAborted = res.some((r, idx) => kinds[idx] === 'abort' && (r.status === 204 || r.status === 200));
    assert.ok(!(anyCompleted && anyAborted), `round ${i}: both a complete and an abort were acknowledged`);
    assert.ok(anyCompleted || anyAborted, `round ${i}: neither the completes nor the aborts succeeded`);
    const got = await client.getObject(BUCKET, key);
    if (anyCompleted) {
      assert.equal(got.status, 200, 'a complete was acknowledged but the object is missing');
      assert.equal(sha256(got.body), sha256(Buffer.concat(datas)));
    } else assert.equal(got.status, 404, 'no complete succeeded but the object exists');
    // the upload is gone either way
    const list = await client.request({ method: 'GET', bucket: BUCKET, query: [['uploads', null]] });
    if (list.status === 200) {
      const ids = xmlBlocks(list.body.toString('utf8'), 'Upload').map((u) => xmlTag(u, 'UploadId'));
      assert.ok(!ids.includes(uploadId), 'upload still listed after complete/abort');
    }
  }
  assertAlive();
  console.log(`# concurrency: ${rounds} complete/abort races: ${JSON.stringify(Object.fromEntries(outcomes))}`);
});

test('deletes racing with writes leave either nothing or one intact write', async () => {
  for (let round = 0; round < 6; round++) {
    const key = `del/${round}`;
    const versions = Array.from({ length: 6 }, (_, i) => rng.bytes(50_000 + i));
    const shas = new Set(versions.map(sha256));
    const ops = [...versions.map((v) => client.putObject(BUCKET, key, v)), client.deleteObject(BUCKET, key), client.deleteObject(BUCKET, key)];
    const res = await Promise.all(ops);
    for (const r of res) assert.ok(r.status < 300, `HTTP ${r.status}`);
    const got = await client.getObject(BUCKET, key);
    if (got.status === 200) assert.ok(shas.has(sha256(got.body)));
    else assert.equal(got.status, 404);
  }
  assertAlive();
});

test('CopyObject racing overwrites and deletes of its source copies one whole version or nothing', async (t) => {
  const src = 'copy/src';
  const versions = new Set<string>();
  const first = rng.bytes(1_500_000);
  versions.add(sha256(first));
  assert.equal((await client.putObject(BUCKET, src, first)).status, 200);
  const probe = await client.copyObject(BUCKET, 'copy/probe', BUCKET, src);
  if (probe.status === 501) {
    t.skip('CopyObject not supported by this server');
    return;
  }
  const outcomes = new Map<string, number>();
  for (let round = 0; round < 8; round++) {
    const ops: Array<Promise<unknown>> = [];
    for (let i = 0; i < 4; i++) {
      const v = rng.bytes(rng.pick([300_000, 1_500_000]));
      versions.add(sha256(v));
      ops.push(client.putObject(BUCKET, src, v));
    }
    if (round % 3 === 2) ops.push(client.deleteObject(BUCKET, src));
    const copies = Array.from({ length: 4 }, (_, i) => client.copyObject(BUCKET, `copy/dst-${round}-${i}`, BUCKET, src));
    await Promise.all(ops);
    for (const [i, c] of (await Promise.all(copies)).entries()) {
      assert.ok(c.status === 200 || c.status === 404, `CopyObject: HTTP ${c.status} ${c.body.toString('utf8').slice(0, 200)}`);
      outcomes.set(String(c.status), (outcomes.get(String(c.status)) ?? 0) + 1);
      const got = await client.getObject(BUCKET, `copy/dst-${round}-${i}`);
      if (c.status === 200) {
        assert.equal(got.status, 200);
        assert.ok(versions.has(sha256(got.body)), 'a copy holds bytes of no single source version');
      } else assert.equal(got.status, 404, 'a refused copy left an object');
    }
    // the source is re-created for the next round if a delete won
    if ((await client.headObject(BUCKET, src)).status === 404) {
      const v = rng.bytes(1000);
      versions.add(sha256(v));
      await client.putObject(BUCKET, src, v);
    }
  }
  assertAlive();
  console.log(`# concurrency: 32 copies racing overwrites/deletes of the source: ${JSON.stringify(Object.fromEntries(outcomes))}`);
});

test('AppendObject racing at the same position: exactly one append wins', async (t) => {
  const key = 'append/race';
  const base = await client.appendObject(BUCKET, key, 0, Buffer.from('base'));
  if (base.status === 501) {
    t.skip('AppendObject not supported by this server');
    return;
  }
  assert.equal(base.status, 200);
  let expected = Buffer.from('base');
  for (let round = 0; round < 6; round++) {
    const chunks = Array.from({ length: 8 }, () => rng.bytes(rng.pick([10, 5000, 200_000])));
    const res = await Promise.all(chunks.map((c) => client.appendObject(BUCKET, key, expected.length, c)));
    const winners = res.map((r, i) => [r, i] as const).filter(([r]) => r.status === 200);
    assert.equal(winners.length, 1, `round ${round}: ${winners.length} appends at one position succeeded`);
    for (const r of res) if (r.status !== 200) assert.equal(xmlTag(r.body.toString('utf8'), 'Code'), 'PositionNotEqualToLength');
    expected = Buffer.concat([expected, chunks[winners[0]![1]]!]);
    const got = await client.getObject(BUCKET, key);
    assert.equal(sha256(got.body), sha256(expected), `round ${round}: appended bytes are not base + the winner`);
    assert.equal(Number(winners[0]![0].headers['x-oss-next-append-position']), expected.length);
  }
  assertAlive();
});
