/**
 * The `pail` binary against a real Pail server: bucket and object verbs, streaming up and
 * down with sha256 comparison, OSS error reporting, presigned download with Range resume,
 * and an interrupted multipart upload resumed to completion.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PailUnderTest } from './harness.js';
import { ok, pail, sha256, sha256File, startPail, startProxy } from './harness.js';

let srv: PailUnderTest;
let env: Record<string, string>;

before(async () => {
  srv = await startPail();
  env = srv.env;
});
after(async () => {
  await srv?.close();
});

/** Exit 1, one stderr line naming the OSS code and the request id. */
function assertOssFailure(r: { code: number | null; stderr: string }, code: string): void {
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^pail [a-z]+: [^\n]*\n$/, `one line: ${JSON.stringify(r.stderr)}`);
  assert.match(r.stderr, new RegExp(`: ${code}\\b`));
  assert.match(r.stderr, /RequestId [0-9A-Za-z]+/);
}

describe('pail against a Pail server', () => {
  const bucket = 'cli-basic';
  const odd = 'dir one/a+b (1) 中文.txt';

  it('mb creates a bucket that ls lists', async () => {
    assert.match(await ok(env, ['mb', `oss://${bucket}`]), /Created bucket oss:\/\/cli-basic/);
    assert.match(await ok(env, ['ls']), /oss:\/\/cli-basic\n/);
    assertOssFailure(await pail(env, ['mb', `oss://${bucket}`]), 'BucketAlreadyExists');
  });

  it('cp uploads a file (odd key) and downloads it back byte-identical; cat and stat agree', async () => {
    const src = join(srv.work, 'small.bin');
    const body = randomBytes(300 * 1024 + 7);
    await writeFile(src, body);
    const up = await ok(env, ['cp', src, `oss://${bucket}/${odd}`]);
    assert.match(up, /upload: .*small\.bin -> oss:\/\/cli-basic\/dir one\/a\+b \(1\) 中文\.txt/);
    const dst = join(srv.work, 'small.down');
    await ok(env, ['cp', `oss://${bucket}/${odd}`, dst]);
    assert.equal(await sha256File(dst), sha256(body));
    const cat = await pail(env, ['cat', `oss://${bucket}/${odd}`]);
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(sha256(cat.stdout), sha256(body));
    const st = await ok(env, ['stat', `oss://${bucket}/${odd}`]);
    assert.match(st, new RegExp(`Size +300 KiB \\(${body.length} bytes\\)`));
    assert.match(st, /Content-Type +text\/plain\n/, 'Content-Type from the key extension');
    assert.match(st, /ETag +"[0-9A-F]{32}"/);
    const json = JSON.parse(await ok(env, ['stat', '--json', `oss://${bucket}/${odd}`])) as Record<string, string>;
    assert.equal(json['content-length'], String(body.length));
  });

  it('cp to a directory keeps the object name; cp to - writes stdout', async () => {
    const dir = join(srv.work, 'into');
    await mkdir(dir);
    await ok(env, ['cp', `oss://${bucket}/${odd}`, dir]);
    assert.deepEqual(await readdir(dir), ['a+b (1) 中文.txt']);
    const r = await pail(env, ['cp', `oss://${bucket}/${odd}`, '-']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sha256(r.stdout), await sha256File(join(dir, 'a+b (1) 中文.txt')));
  });

  it('cp -r uploads a tree; ls shows one level with DIR rows, ls -r everything; cp -r downloads it', async () => {
    const tree = join(srv.work, 'tree');
    await mkdir(join(tree, 'sub', 'deeper'), { recursive: true });
    const files: Record<string, Buffer> = {
      'a.txt': Buffer.from('alpha\n'),
      'sub/b.json': Buffer.from('{"b":1}\n'),
      'sub/deeper/c.bin': randomBytes(2048),
    };
    for (const [rel, data] of Object.entries(files)) await writeFile(join(tree, ...rel.split('/')), data);
    const up = await ok(env, ['cp', '-r', tree, `oss://${bucket}/site`]);
    assert.match(up, /3 files uploaded/);
    const top = await ok(env, ['ls', `oss://${bucket}/site/`]);
    assert.match(top, /DIR {2}oss:\/\/cli-basic\/site\/sub\/\n/);
    assert.match(top, /6 B {2}oss:\/\/cli-basic\/site\/a\.txt\n/);
    assert.doesNotMatch(top, /c\.bin/);
    const all = await ok(env, ['ls', '-r', '--bytes', '-s', `oss://${bucket}/site`]);
    assert.match(all, /2048 {2}oss:\/\/cli-basic\/site\/sub\/deeper\/c\.bin\n/);
    assert.match(all, /Total: 3 objects, 2062\n/);
    const down = join(srv.work, 'tree-down');
    assert.match(await ok(env, ['cp', '-r', `oss://${bucket}/site`, down]), /3 objects downloaded/);
    for (const [rel, data] of Object.entries(files)) {
      assert.equal(await sha256File(join(down, ...rel.split('/'))), sha256(data), rel);
    }
  });

  it('reports OSS errors as one line with Code and RequestId, exit 1', async () => {
    assertOssFailure(await pail(env, ['cat', `oss://${bucket}/missing.txt`]), 'NoSuchKey');
    // HEAD has no body: the error comes from x-oss-err or the status.
    assertOssFailure(await pail(env, ['stat', `oss://${bucket}/missing.txt`]), 'NoSuchKey');
    assertOssFailure(await pail(env, ['ls', 'oss://no-such-bucket-here']), 'NoSuchBucket');
    assertOssFailure(await pail(env, ['rb', `oss://${bucket}`]), 'BucketNotEmpty');
    const bad = await pail({ ...env, OSS_ACCESS_KEY_SECRET: 'wrong' }, ['ls']);
    assertOssFailure(bad, 'SignatureDoesNotMatch');
    const down = await pail(env, ['cp', `oss://${bucket}/missing.txt`, join(srv.work, 'never.txt')]);
    assertOssFailure(down, 'NoSuchKey');
    await assert.rejects(stat(join(srv.work, 'never.txt')), { code: 'ENOENT' });
    await assert.rejects(stat(join(srv.work, 'never.txt.pail-tmp')), { code: 'ENOENT' });
  });

  it('get downloads a presigned URL and resumes a truncated partial file with Range', async () => {
    const src = join(srv.work, 'get-src.bin');
    const body = randomBytes(1024 * 1024 + 123);
    await writeFile(src, body);
    await ok(env, ['cp', src, `oss://${bucket}/get/object.bin`]);
    const proxy = await startProxy(srv.url);
    try {
      const url = (await ok(env, ['presign', `oss://${bucket}/get/object.bin`, '--endpoint', proxy.url, '--expires', '600'])).trim();
      // No credentials at all: the URL carries the signature.
      const bare = { PATH: env['PATH']!, HOME: srv.work };
      const out = join(srv.work, 'got.bin');
      const first = await pail(bare, ['get', url, '-o', out]);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(await sha256File(out), sha256(body));

      await truncate(out, 400_000);
      proxy.log.length = 0;
      const resumed = await pail(bare, ['get', url, '-o', out]);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.match(resumed.stderr, /Resuming .*got\.bin at/);
      assert.deepEqual(
        proxy.log.map((l) => [l.method, l.range, l.status]),
        [['GET', 'bytes=400000-', 206]],
      );
      assert.equal((await stat(out)).size, body.length);
      assert.equal(await sha256File(out), sha256(body));

      const again = await pail(bare, ['get', url, '-o', out]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /already complete/);
      assert.equal(await sha256File(out), sha256(body));

      // Default file name: the last path segment.
      const cwdRun = await pail(bare, ['get', url, '-o', '-']);
      assert.equal(sha256(cwdRun.stdout), sha256(body));

      const tampered = url.replace(/x-oss-signature=[0-9a-f]{8}/, 'x-oss-signature=00000000');
      assertOssFailure(await pail(bare, ['get', tampered, '-o', join(srv.work, 'bad.bin')]), 'SignatureDoesNotMatch');
    } finally {
      await proxy.close();
    }
  });

  it('rm deletes an object; rm -r deletes everything under a prefix in DeleteMultipleObjects batches', async () => {
    assert.match(await ok(env, ['rm', `oss://${bucket}/${odd}`]), /Deleted oss:\/\/cli-basic\/dir one/);
    assertOssFailure(await pail(env, ['stat', `oss://${bucket}/${odd}`]), 'NoSuchKey');
    const dry = await ok(env, ['rm', '-r', '--dry-run', `oss://${bucket}/site`]);
    assert.match(dry, /Would delete 3 objects under oss:\/\/cli-basic\/site\//);
    assert.match(await ok(env, ['ls', '-r', `oss://${bucket}/site/`]), /c\.bin/);
    const rm = await pail(env, ['rm', '-r', `oss://${bucket}`]);
    if (/NotImplemented/.test(rm.stderr)) {
      assert.fail(`server does not implement DeleteMultipleObjects yet (POST /?delete answered 501): ${rm.stderr.trim()}`);
    }
    assert.equal(rm.code, 0, rm.stderr);
    assert.match(rm.stdout.toString(), /Deleted \d+ objects under oss:\/\/cli-basic\//);
    assert.equal(await ok(env, ['ls', '-r', `oss://${bucket}`]), '');
  });

  it('rb removes an empty bucket', async () => {
    await ok(env, ['mb', 'oss://cli-empty']);
    assert.match(await ok(env, ['rb', 'oss://cli-empty']), /Removed bucket oss:\/\/cli-empty/);
    assert.doesNotMatch(await ok(env, ['ls']), /cli-empty/);
    assertOssFailure(await pail(env, ['rb', 'oss://cli-empty']), 'NoSuchBucket');
  });
});

describe('pail cp: bucket to bucket (CopyObject)', () => {
  it('copies an object and a prefix between buckets', async () => {
    await ok(env, ['mb', 'oss://cli-copy-a']);
    await ok(env, ['mb', 'oss://cli-copy-b']);
    const src = join(srv.work, 'copy-src.txt');
    await writeFile(src, 'copy me\n');
    await ok(env, ['cp', src, 'oss://cli-copy-a/x/one.txt']);
    await ok(env, ['cp', src, 'oss://cli-copy-a/x/two.txt']);
    const r = await pail(env, ['cp', 'oss://cli-copy-a/x/one.txt', 'oss://cli-copy-b/']);
    if (/NotImplemented/.test(r.stderr)) assert.fail(`server does not implement CopyObject yet (501): ${r.stderr.trim()}`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await pail(env, ['cat', 'oss://cli-copy-b/one.txt'])).stdout.toString(), 'copy me\n');
    assert.match(await ok(env, ['cp', '-r', 'oss://cli-copy-a/x', 'oss://cli-copy-b/y/']), /2 objects copied/);
    assert.match(await ok(env, ['ls', '-r', 'oss://cli-copy-b/y/']), /y\/one\.txt\n.*y\/two\.txt\n/s);
  });
});

describe('pail cp: interrupted multipart upload resumed', () => {
  it('resumes a killed 40 MiB upload, sending only the missing parts, and the object matches', async () => {
    const bucket = 'cli-multipart';
    await ok(env, ['mb', `oss://${bucket}`]);
    // Early, explicit check: fail (not skip) when the server lacks multipart.
    const probe = await pail(env, ['cp', '--part-size', '100K', await makeFile('probe.bin', 200 * 1024 + 1), `oss://${bucket}/probe.bin`]);
    if (/NotImplemented/.test(probe.stderr)) {
      assert.fail(`server does not implement multipart upload yet (InitiateMultipartUpload answered 501): ${probe.stderr.trim()}`);
    }
    assert.equal(probe.code, 0, probe.stderr);
    assert.match(probe.stdout.toString(), /multipart/);

    const size = 40 * 1024 * 1024;
    const file = await makeFile('big.bin', size);
    const partSize = 1024 * 1024;
    const parts = size / partSize;
    const proxy = await startProxy(srv.url);
    const penv = { ...env, OSS_ENDPOINT: proxy.url };
    const dest = `oss://${bucket}/big/file.bin`;
    try {
      const isPart = (l: { method: string; url: string }) => l.method === 'PUT' && /[?&]partNumber=/.test(l.url);
      // Let 7 parts through, then freeze every request; kill the client while it waits.
      const frozen = proxy.holdAfter(isPart, 7);
      const first = await pail(penv, ['cp', '--part-size', '1M', '--parallel', '3', file, dest], (child) => {
        void frozen.then(async () => {
          await waitFor(async () => (await checkpointParts(env['PAIL_CHECKPOINT_DIR']!)) >= 7);
          child.kill('SIGKILL');
        });
      });
      assert.equal(first.signal, 'SIGKILL', `first run was not interrupted: ${first.stderr}`);
      const recorded = await checkpointParts(env['PAIL_CHECKPOINT_DIR']!);
      assert.ok(recorded >= 7 && recorded < parts, `checkpoint holds ${recorded} parts`);
      proxy.release();
      proxy.log.length = 0;

      const second = await pail(penv, ['cp', '--part-size', '1M', '--parallel', '3', file, dest]);
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stderr, new RegExp(`Resuming upload of .*big\\.bin: ${recorded} of ${parts} parts already uploaded`));
      const sent = proxy.log.filter(isPart).length;
      assert.equal(sent, parts - recorded, 'only the missing parts are uploaded again');
      assert.ok(proxy.log.some((l) => l.method === 'GET' && /[?&]uploadId=/.test(l.url)), 'ListParts confirmed the checkpoint');
      assert.equal(proxy.log.filter((l) => l.method === 'POST' && /[?&]uploads(?:&|=|$)/.test(l.url)).length, 0, 'no new upload initiated');
      assert.deepEqual(await readdir(env['PAIL_CHECKPOINT_DIR']!).then((f) => f.filter((n) => n.endsWith('.json'))), []);
    } finally {
      await proxy.close();
    }
    const st = await ok(env, ['stat', dest]);
    assert.match(st, new RegExp(`\\(${size} bytes\\)`));
    assert.match(st, /ETag +"[0-9A-F]{32}-40"/);
    const down = join(srv.work, 'big.down');
    await ok(env, ['cp', dest, down]);
    assert.equal(await sha256File(down), await sha256File(file));
  });
});

async function makeFile(name: string, size: number): Promise<string> {
  const p = join(srv.work, name);
  await writeFile(p, randomBytes(size));
  return p;
}

async function checkpointParts(dir: string): Promise<number> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
  } catch {
    return 0;
  }
  let most = 0;
  for (const n of names) {
    try {
      const cp = JSON.parse(await readFile(join(dir, n), 'utf8')) as { parts: unknown[] };
      most = Math.max(most, cp.parts.length);
    } catch {
      // being replaced right now; read again on the next poll
    }
  }
  return most;
}

/** Polls `cond` (no timing assertion: the suite budget bounds it). */
async function waitFor(cond: () => Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 10));
}
