/**
 * Presigned downloads: the client matrix (docs/compatibility.md). Every client is started as its own
 * process, runs (as closely as it can) the snippet of the OSS guide "Download an object using a
 * presigned URL", and writes a file whose sha256 must equal the uploaded bytes. Plain HTTP and HTTPS
 * (dev CA trusted by the client's normal mechanism), the error paths (expired URL, flipped signature
 * character, missing key) and resuming a half-downloaded file with Range.
 *
 * Cost: the 100 MiB object is downloaded once per client over HTTP plus once by curl over HTTPS and
 * once per resume; HTTPS runs use 0 B, 1 KiB and 5 MiB for the other clients (TLS adds nothing
 * size-dependent that 5 MiB does not already cross: many records, many TCP windows).
 * The browser column is in browser.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CURL_UNAVAILABLE, curl, RUNTIME_CLIENTS } from './matrix/clients.js';
import {
  assertDownloaded,
  assertErrorPath,
  ERROR_CASES,
  type MatrixObject,
  type MatrixPail,
  MiB,
  type Scheme,
  sha256File,
  startMatrixPail,
} from './matrix/harness.js';

const SCHEMES: readonly Scheme[] = ['http', 'https'];

/**
 * A partial file for the resume tests: the first `have` bytes are zeros rather than the object's, so
 * the result proves the client fetched only the missing tail (a client that re-downloaded the whole
 * object would produce the object's own hash instead).
 */
async function zeroPrefixed(object: MatrixObject, file: string, have: number): Promise<string> {
  await writeFile(file, Buffer.alloc(have));
  const hash = createHash('sha256').update(Buffer.alloc(have));
  for await (const chunk of createReadStream(object.path, { start: have })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

describe('client matrix: presigned downloads', { timeout: 600_000 }, () => {
  let pail: MatrixPail;
  before(async () => {
    pail = await startMatrixPail();
  });
  after(async () => {
    await pail?.close();
  });

  // The object list is only known once Pail is up; the sizes are fixed, so tests are declared from them.
  const LABELS = { empty: '0 B', small: '1 KiB', medium: '5 MiB', large: '100 MiB' } as const;
  const sizesFor = (scheme: Scheme, large: boolean) =>
    (scheme === 'http' || large ? ['empty', 'small', 'medium', 'large'] : ['empty', 'small', 'medium']) as (keyof typeof LABELS)[];

  describe('curl -SO', { skip: CURL_UNAVAILABLE }, () => {
    for (const scheme of SCHEMES) {
      for (const size of sizesFor(scheme, true)) {
        it(`${scheme} ${LABELS[size]}: saves the object under its key`, async () => {
          const object = pail.objects[size];
          const dir = await pail.scratch(`curl-${scheme}-${size}`);
          const r = await curl(pail, scheme, dir, ['-sSO', '-w', '%{http_code}', pail.presign(scheme, object.key)]);
          assert.equal(r.stdout, '200', r.stderr);
          await assertDownloaded(r, join(dir, object.key), object, 'curl -SO');
        });
      }

      for (const c of ERROR_CASES) {
        it(`${scheme} ${c.name}: -SO saves the error body and exits 0; --fail exits 22 and saves nothing`, async () => {
          const url = c.url(pail, scheme);
          const key = url.slice(url.lastIndexOf('/') + 1, url.indexOf('?'));
          const dir = await pail.scratch(`curl-${scheme}-err`);
          // The documented trap: -O writes whatever body came back under the object's name.
          const plain = await curl(pail, scheme, dir, ['-sSO', '-w', '%{http_code}', url]);
          assert.equal(plain.code, 0, plain.stderr);
          assert.equal(plain.stdout, String(c.status));
          const saved = await readFile(join(dir, key), 'utf8');
          assert.ok(saved.includes(`<Code>${c.code}</Code>`), saved);

          // What scripts should use: --fail turns an HTTP error into exit 22 and writes no file.
          const dir2 = await pail.scratch(`curl-${scheme}-fail`);
          const failed = await curl(pail, scheme, dir2, ['-fsSO', '-w', '%{http_code}', url]);
          assert.equal(failed.code, 22, failed.stderr);
          assert.equal(failed.stdout, String(c.status));
          assert.ok(!existsSync(join(dir2, key)), 'curl --fail left a file');
        });
      }
    }

    it('http 100 MiB: -C - resumes a half-downloaded file with Range (206)', async () => {
      const object = pail.objects.large;
      const dir = await pail.scratch('curl-resume');
      const url = pail.presign('http', object.key);
      const half = object.size / 2;
      // A real partial download through Pail (the same presigned URL serves any Range: Range is not signed).
      const first = await curl(pail, 'http', dir, ['-sS', '-r', `0-${half - 1}`, '-o', object.key, '-w', '%{http_code}', url]);
      assert.equal(first.stdout, '206', first.stderr);
      const resumed = await curl(pail, 'http', dir, ['-sS', '-C', '-', '-O', '-w', '%{http_code}', url]);
      assert.equal(resumed.stdout, '206', resumed.stderr);
      await assertDownloaded(resumed, join(dir, object.key), object, 'curl -C -');
    });

    it('https without the dev CA: certificate verification fails (exit 60), nothing is saved', async () => {
      const object = pail.objects.small;
      const dir = await pail.scratch('curl-untrusted');
      const r = await curl(pail, 'http', dir, ['-sSO', pail.presign('https', object.key)]);
      assert.equal(r.code, 60, r.stderr);
      assert.ok(!existsSync(join(dir, object.key)));
    });
  });

  for (const client of RUNTIME_CLIENTS) {
    describe(client.name, { skip: client.unavailable }, () => {
      before(async () => {
        await client.prepare?.(pail);
      });

      for (const scheme of SCHEMES) {
        for (const size of sizesFor(scheme, false)) {
          it(`${scheme} ${LABELS[size]}`, async () => {
            const object = pail.objects[size];
            const file = join(await pail.scratch(`${client.name}-${scheme}-${size}`), object.key);
            const r = await client.download(pail, scheme, pail.presign(scheme, object.key), file);
            await assertDownloaded(r, file, object, client.name);
          });
        }
        for (const c of ERROR_CASES) {
          it(`${scheme} ${c.name}: ${c.status} ${c.code}, no file`, async () => {
            const file = join(await pail.scratch(`${client.name}-${scheme}-err`), 'out.bin');
            const r = await client.download(pail, scheme, c.url(pail, scheme), file);
            assertErrorPath(r, file, c, client.name, client.errorText);
          });
        }
      }

      it('http 100 MiB: resumes a partial file with Range', async () => {
        const object = pail.objects.large;
        const file = join(await pail.scratch(`${client.name}-resume`), object.key);
        const expected = await zeroPrefixed(object, file, 40 * MiB);
        const r = await client.download(pail, 'http', pail.presign('http', object.key), file, true);
        assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
        assert.equal(await sha256File(file), expected, 'the resumed file is not <partial prefix> + <missing tail>');
      });
    });
  }
});
