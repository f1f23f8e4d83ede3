/**
 * `pail serve` as a newcomer runs it: first start prints the root key once with a ready
 * presign line, --example prints a working presigned URL, SIGTERM stops it cleanly, and a
 * second start does not print the secret again.
 */
import assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, pail } from './harness.js';

let work: string;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'pail-cli-serve-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

interface Serving {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything printed up to "Press Ctrl+C to stop." */
  readonly banner: string;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts `pail serve` and resolves once its banner is complete. */
function serve(args: string[]): Promise<Serving> {
  const env = { PATH: process.env['PATH'] ?? '', HOME: work };
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', join(work, 'data'), ...args], { env });
  let out = '';
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      out += d;
    });
    child.stdout.on('data', (d: string) => {
      out += d;
      if (out.includes('Press Ctrl+C to stop.')) resolve({ child, banner: out, output: () => out, exited });
    });
    void exited.then((code) => reject(new Error(`pail serve exited early (${code}): ${out}`)));
  });
}

describe('pail serve', () => {
  it('first start: root key once, a ready presign line, --example URL that downloads, clean SIGTERM', async () => {
    const s = await serve(['--example', '--log-level', 'warn']);
    const endpoint = /Pail is listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(s.banner)?.[1];
    assert.ok(endpoint, s.banner);
    const id = /^ {2}OSS_ACCESS_KEY_ID=(\S+)$/m.exec(s.banner)?.[1];
    const secret = /^ {2}OSS_ACCESS_KEY_SECRET=(\S+)$/m.exec(s.banner)?.[1];
    assert.ok(id && secret, s.banner);
    assert.ok(
      s.banner.includes(
        `OSS_ACCESS_KEY_ID=${id} OSS_ACCESS_KEY_SECRET=${secret} npx pail presign oss://examplebucket/exampleobject.txt --endpoint ${endpoint} --path-style`,
      ),
      s.banner,
    );
    const url = /presigned download URL:\n {2}(\S+)\n/i.exec(s.banner)?.[1];
    assert.ok(url?.startsWith(`${endpoint}/examplebucket/exampleobject.txt?`), s.banner);
    assert.match(s.banner, new RegExp(`curl '${url!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'`));

    const bare = { PATH: process.env['PATH'] ?? '', HOME: work };
    const got = await pail(bare, ['get', url!, '-o', '-']);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout.toString(), /Hello from Pail/);

    // The printed key works with the printed command.
    const creds = { ...bare, OSS_ACCESS_KEY_ID: id!, OSS_ACCESS_KEY_SECRET: secret! };
    const presigned = await pail(creds, ['presign', 'oss://examplebucket/exampleobject.txt', '--endpoint', endpoint!, '--path-style']);
    assert.equal(presigned.code, 0, presigned.stderr);
    const again = await pail(bare, ['get', presigned.stdout.toString().trim(), '-o', '-']);
    assert.match(again.stdout.toString(), /Hello from Pail/);

    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0, s.output());
    assert.match(s.output(), /SIGTERM: stopping[^\n]*\nPail stopped\.\n$/);
  });

  it('second start: the secret is not printed again', async () => {
    const s = await serve(['--log-level', 'warn']);
    assert.doesNotMatch(s.banner, /OSS_ACCESS_KEY_SECRET/);
    assert.match(s.banner, /Root access key \S+ \(secret: .*root-credentials\.json\)/);
    s.child.kill('SIGINT');
    assert.equal(await s.exited, 0, s.output());
  });

  it('bad flags are usage errors (exit 2, one line)', async () => {
    const r = await pail({ PATH: process.env['PATH'] ?? '' }, ['serve', '--port', 'abc']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^pail serve: --port must be[^\n]*\n$/);
  });
});
