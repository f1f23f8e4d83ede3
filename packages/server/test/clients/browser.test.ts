/**
 * The browser column of the presigned-download matrix (docs/compatibility.md): headless Chromium on a
 * page from another origin runs the OSS guide's browser flow (fetch → blob → `<a download>`), and the
 * downloaded file's sha256 must equal the uploaded bytes. Without a CORS rule the fetch must fail, as
 * browsers require; with one it works over HTTP and HTTPS (dev CA in Chromium's NSS store), error
 * responses stay readable (Pail adds CORS headers to errors), preflights follow AllowedHeader, and
 * ExposeHeader decides what the page can read.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { missing } from './matrix/clients.js';
import { browserUnavailable, launchChromium, type PageServer, pageDownload, pageFetch, startPageServer } from './matrix/browser.js';
import { ERROR_CASES, type MatrixObject, type MatrixPail, MiB, type Scheme, sha256File, startMatrixPail } from './matrix/harness.js';

const SKIP = missing(browserUnavailable());

function corsXml(rules: readonly string[], responseVary = false): Buffer {
  return Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>\n<CORSConfiguration>' +
      rules.map((r) => `<CORSRule>${r}</CORSRule>`).join('') +
      `<ResponseVary>${responseVary}</ResponseVary></CORSConfiguration>`,
  );
}

async function sha256Tail(object: MatrixObject, start: number): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(object.path, { start })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

describe('client matrix: browser (Chromium, fetch → blob → <a download>)', { skip: SKIP, timeout: 600_000 }, () => {
  let pail: MatrixPail;
  let pages: PageServer;
  let context: BrowserContext;
  let page: Page;

  const putCors = async (rules: readonly string[]) => {
    const r = await pail.api({ method: 'PUT', query: { cors: null }, body: corsXml(rules) });
    assert.equal(r.status, 200, `PutBucketCors: ${r.status} ${r.body}`);
  };
  const deleteCors = async () => {
    const r = await pail.api({ method: 'DELETE', query: { cors: null } });
    assert.equal(r.status, 204, `DeleteBucketCors: ${r.status} ${r.body}`);
  };

  /** The guide's flow, end to end: resolves with the sha256 of the file Chromium saved. */
  const downloadInPage = async (url: string, name: string): Promise<string> => {
    const event = page.waitForEvent('download', { timeout: 120_000 });
    event.catch(() => {}); // awaited below only on success
    const outcome = await pageDownload(page, url, name);
    assert.ok(outcome.ok, `page: ${JSON.stringify(outcome)}`);
    const download = await event;
    assert.equal(download.suggestedFilename(), name);
    const path = await download.path();
    return sha256File(path);
  };

  before(async () => {
    pail = await startMatrixPail();
    pages = await startPageServer();
    context = await launchChromium(await pail.scratch('chromium'), pail.caFile);
    page = await context.newPage();
    await page.goto(`${pages.origin}/`);
  });
  after(async () => {
    await context?.close();
    await pages?.close();
    await pail?.close();
  });

  describe('without a CORS rule', () => {
    for (const scheme of ['http', 'https'] as const) {
      it(`${scheme}: the cross-origin fetch fails (TypeError), nothing is downloaded`, async () => {
        let downloads = 0;
        const onDownload = () => downloads++;
        page.on('download', onDownload);
        const outcome = await pageDownload(page, pail.presign(scheme, pail.objects.small.key), 'x.bin');
        page.off('download', onDownload);
        assert.equal(outcome.ok, false);
        assert.equal(!outcome.ok && outcome.name, 'TypeError', JSON.stringify(outcome));
        assert.equal(downloads, 0);
      });
    }

    it('a rule for another origin does not help', async () => {
      await putCors(['<AllowedOrigin>https://elsewhere.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod>']);
      const outcome = await pageDownload(page, pail.presign('http', pail.objects.small.key), 'x.bin');
      assert.equal(!outcome.ok && outcome.name, 'TypeError', JSON.stringify(outcome));
      await deleteCors();
    });
  });

  describe('with a CORS rule for the page origin', () => {
    before(async () => {
      await putCors([
        `<AllowedOrigin>${pages.origin}</AllowedOrigin>` +
          '<AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>' +
          '<AllowedHeader>range</AllowedHeader><AllowedHeader>x-pail-*</AllowedHeader>' +
          '<ExposeHeader>ETag</ExposeHeader><ExposeHeader>Content-Range</ExposeHeader><ExposeHeader>x-oss-request-id</ExposeHeader>' +
          '<MaxAgeSeconds>60</MaxAgeSeconds>',
      ]);
    });

    for (const scheme of ['http', 'https'] as Scheme[]) {
      const sizes = scheme === 'http' ? (['empty', 'small', 'medium', 'large'] as const) : (['empty', 'small', 'medium'] as const);
      for (const size of sizes) {
        it(`${scheme} ${size === 'empty' ? '0 B' : size === 'small' ? '1 KiB' : size === 'medium' ? '5 MiB' : '100 MiB'}: the saved file has the object's bytes`, async () => {
          const object = pail.objects[size];
          assert.equal(await downloadInPage(pail.presign(scheme, object.key), object.key), object.sha256);
        });
      }

      for (const c of ERROR_CASES) {
        it(`${scheme} ${c.name}: the page reads ${c.status} and the OSS error body (CORS headers on errors), no download`, async () => {
          let downloads = 0;
          const onDownload = () => downloads++;
          page.on('download', onDownload);
          const outcome = await pageDownload(page, c.url(pail, scheme), 'x.bin');
          page.off('download', onDownload);
          assert.ok(!outcome.ok, 'the download succeeded');
          assert.equal(outcome.status, c.status, JSON.stringify(outcome));
          assert.ok(outcome.body?.includes(`<Code>${c.code}</Code>`), outcome.body);
          assert.equal(downloads, 0);
        });
      }

      it(`${scheme} Range (resume): a preflighted request with Range gets 206 and the tail`, async () => {
        const object = pail.objects.medium;
        const from = 3 * MiB;
        const r = await pageFetch(page, pail.presign(scheme, object.key), {
          headers: { range: `bytes=${from}-`, 'x-pail-probe': '1' },
          readHeaders: ['content-range'],
        });
        assert.ok(r.ok, JSON.stringify(r));
        assert.equal(r.status, 206);
        assert.equal(r.headers['content-range'], `bytes ${from}-${object.size - 1}/${object.size}`);
        assert.equal(r.sha256, await sha256Tail(object, from));
      });
    }

    it('a request header outside AllowedHeader fails its preflight', async () => {
      const r = await pageFetch(page, pail.presign('http', pail.objects.small.key), { headers: { 'x-other': '1' } });
      assert.equal(r.ok, false, JSON.stringify(r));
    });

    it('ExposeHeader decides which response headers the page can read', async () => {
      const r = await pageFetch(page, pail.presign('http', pail.objects.small.key), {
        readHeaders: ['etag', 'x-oss-request-id', 'x-oss-hash-crc64ecma'],
      });
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal(r.status, 200);
      assert.match(String(r.headers['etag']), /^"[0-9A-F]{32}"$/);
      assert.match(String(r.headers['x-oss-request-id']), /^[0-9A-F]{24}$/);
      assert.equal(r.headers['x-oss-hash-crc64ecma'], null, 'a header that was not exposed is readable');
    });

    it('a wildcard origin (one *) matches the page origin', async () => {
      await putCors(['<AllowedOrigin>http://127.0.0.1:*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>']);
      const object = pail.objects.small;
      assert.equal(await downloadInPage(pail.presign('http', object.key), object.key), object.sha256);
    });
  });
});
