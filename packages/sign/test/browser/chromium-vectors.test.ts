/**
 * The universal entry as a browser gets it (the same esbuild bundle browser-bundle.test.ts checks in
 * a bare `node:vm` context), run in Debian's headless Chromium: every signable vector goes through
 * the bundle's public API inside the page, one subtest per vector.
 *
 * The vector-to-call mapping is helpers.ts `signVector`, handed an `AsyncSigner` whose methods
 * forward each call (arguments as plain data) to the bundle in the page; the result comes back and
 * is checked in Node with `checkSigned`, as for the Node and vm runs.
 *
 * Chromium comes from scripts/setup-clients.sh; its absence is a failure, not a skip.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { type AsyncSigner, checkSigned, loadVectors, signVector } from '../helpers.js';

const ENTRY = fileURLToPath(new URL('../../../src/index.ts', import.meta.url));
// Same binary as the server's client matrix (packages/server/test/clients/matrix/browser.ts).
const CHROMIUM = '/usr/bin/chromium';

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>@pail/sign in Chromium</title>
<script type="module">
  import * as PailSign from './sign.min.js';
  window.PailSign = PailSign;
</script>
`;

/** Serves the page and the bundle on 127.0.0.1, which is a secure context (crypto.subtle exists). */
async function startServer(bundle: string): Promise<{ origin: string; close(): Promise<void> }> {
  const files: Record<string, { type: string; body: Buffer }> = {
    '/': { type: 'text/html; charset=utf-8', body: Buffer.from(PAGE) },
    '/sign.min.js': { type: 'text/javascript; charset=utf-8', body: Buffer.from(bundle) },
  };
  const server = http.createServer((req, res) => {
    const f = files[req.url ?? ''];
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': f.type, 'content-length': f.body.length });
    res.end(f.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Flags as in packages/server/test/clients/matrix/browser.ts `launchChromium`, minus the NSS/CA setup. */
function launch(dir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    env: { ...process.env, HOME: join(dir, 'home') },
    args: [
      // Root in a container cannot use Chromium's setuid/namespace sandbox; the page only loads
      // the bundle from 127.0.0.1.
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

type Method = keyof AsyncSigner;

/** `AsyncSigner` whose calls run in the page, against the bundle's exports. */
function pageSigner(page: Page): AsyncSigner {
  const call = (method: Method, args: unknown[]) =>
    page.evaluate(
      ({ method, args }) => {
        const api = (window as unknown as { PailSign: Record<string, (...a: unknown[]) => Promise<unknown>> }).PailSign;
        return api[method]!(...args);
      },
      { method, args },
    );
  // Playwright carries plain data both ways (including undefined, null and Date).
  return {
    presignUrl: (o) => call('presignUrl', [o]) as ReturnType<AsyncSigner['presignUrl']>,
    signRequest: (r, c, o) => call('signRequest', [r, c, o]) as ReturnType<AsyncSigner['signRequest']>,
    presignUrlV1: (o) => call('presignUrlV1', [o]) as ReturnType<AsyncSigner['presignUrlV1']>,
    signRequestV1: (r, c, o) => call('signRequestV1', [r, c, o]) as ReturnType<AsyncSigner['signRequestV1']>,
  };
}

test('browser bundle in Chromium: every signable vector', async (t) => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/setup-clients.sh (installs Debian chromium)`);

  const dir = mkdtempSync(join(tmpdir(), 'pail-sign-chromium-'));
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let context: BrowserContext | undefined;
  try {
    // The build browser-bundle.test.ts measures: browser platform, ESM, minified.
    const outfile = join(dir, 'sign.min.js');
    await build({ entryPoints: [ENTRY], bundle: true, platform: 'browser', format: 'esm', minify: true, outfile, logLevel: 'silent' });
    server = await startServer(readFileSync(outfile, 'utf8'));

    context = await launch(dir);
    const page = context.pages()[0] ?? (await context.newPage());
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.origin + '/');
    await page.waitForFunction(() => 'PailSign' in window, undefined, { timeout: 10_000 }).catch(() => {
      throw new Error(`bundle did not load in the page: ${pageErrors.join('; ') || 'no page error'}`);
    });
    const env = await page.evaluate(() => ({
      secure: window.isSecureContext,
      subtle: typeof crypto.subtle?.sign,
      exports: Object.keys((window as unknown as { PailSign: object }).PailSign).sort(),
      ua: navigator.userAgent,
    }));
    assert.equal(env.secure, true, 'page is a secure context');
    assert.equal(env.subtle, 'function', 'crypto.subtle is available');
    for (const m of ['presignUrl', 'presignUrlV1', 'signRequest', 'signRequestV1']) assert.ok(env.exports.includes(m), `bundle exports ${m}`);
    t.diagnostic(env.ua);

    const api = pageSigner(page);
    let n = 0;
    for (const v of loadVectors()) {
      if (v.signingKeyHex) continue;
      await t.test(v.name, async () => {
        checkSigned(v, await signVector(api, v), 'chromium');
      });
      n++;
    }
    assert.equal(n, 25, 'signable vectors');
    t.diagnostic(`${n} vectors signed by the bundle in Chromium`);

    // Validation errors surface as rejections from the bundle in the page too.
    await assert.rejects(
      api.presignUrl({ bucket: 'b-1', key: 'k', expires: 0, region: 'cn-hangzhou', credentials: { accessKeyId: 'a', accessKeySecret: 's' } }),
      /RangeError/,
    );
    assert.deepEqual(pageErrors, [], 'no uncaught page errors');
  } finally {
    await context?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
