/**
 * Headless Chromium (Debian's `chromium`) driven by playwright-core, for the browser column of the
 * matrix. The dev CA is trusted the way a Linux desktop user would trust it: added to the NSS
 * certificate store in `$HOME/.pki/nssdb` with certutil, for a throw-away HOME. Certificate errors are
 * never ignored (no --ignore-certificate-errors, no ignoreHTTPSErrors).
 *
 * The page comes from a tiny static server on its own port, so every request to Pail is cross-origin.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { onPath } from './clients.js';
import { run, SNIPPETS } from './harness.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Skip reason when Chromium or certutil is missing (a failure under CI: see clients.ts `missing`). */
export function browserUnavailable(): string | undefined {
  if (!existsSync(CHROMIUM)) return `no ${CHROMIUM}`;
  if (!onPath('certutil')) return 'certutil (libnss3-tools) not on PATH';
  return undefined;
}

export interface PageServer {
  /** `http://127.0.0.1:<port>`: the page's origin, different from Pail's. */
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves matrix/browser/download.html at `/`. */
export async function startPageServer(): Promise<PageServer> {
  const html = await readFile(join(SNIPPETS, 'browser', 'download.html'));
  const server = http.createServer((req, res) => {
    if (req.url === '/' || req.url === '/download.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': html.length });
      res.end(html);
    } else {
      res.writeHead(404).end();
    }
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

/**
 * Launches Chromium with a fresh profile under `dir` and a HOME whose NSS store trusts `caFile`
 * for TLS server authentication (`-t C,,`).
 */
export async function launchChromium(dir: string, caFile: string): Promise<BrowserContext> {
  const home = join(dir, 'home');
  const nssdb = join(home, '.pki', 'nssdb');
  await mkdir(nssdb, { recursive: true });
  for (const args of [
    ['-d', `sql:${nssdb}`, '-N', '--empty-password'],
    ['-d', `sql:${nssdb}`, '-A', '-t', 'C,,', '-n', 'pail-dev', '-i', caFile],
  ]) {
    const r = await run('certutil', args);
    if (r.code !== 0) throw new Error(`certutil ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  }
  return chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    env: { ...process.env, HOME: home },
    args: [
      // Root in a container cannot use Chromium's setuid/namespace sandbox.
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-gpu',
      '--disable-sync',
    ],
  });
}

/** What `downloadFile` (matrix/browser/download.html) reported. */
export type PageOutcome =
  | { readonly ok: true; readonly size: number }
  | { readonly ok: false; readonly name: string; readonly message: string; readonly status?: number; readonly body?: string };

/** Runs the page's `downloadFile(url, fileName)` and reports how it ended. */
export function pageDownload(page: Page, url: string, fileName: string): Promise<PageOutcome> {
  return page.evaluate(
    ({ url, fileName }) => {
      const w = window as unknown as { downloadFile(u: string, n: string): Promise<{ size: number }> };
      return w.downloadFile(url, fileName).then(
        (r) => ({ ok: true as const, size: r.size }),
        (e: Error & { status?: number; body?: string }) => ({
          ok: false as const,
          name: e.name,
          message: e.message,
          ...(e.status !== undefined ? { status: e.status } : {}),
          ...(e.body !== undefined ? { body: e.body } : {}),
        }),
      );
    },
    { url, fileName },
  );
}

/** A `fetch` from the page with extra request options; resolves with status, readable headers, body sha256. */
export function pageFetch(
  page: Page,
  url: string,
  init: { headers?: Record<string, string>; method?: string; readHeaders?: readonly string[] } = {},
): Promise<
  | { ok: true; status: number; headers: Record<string, string | null>; sha256: string; size: number; text: string }
  | { ok: false; name: string; message: string }
> {
  return page.evaluate(
    async ({ url, init }) => {
      try {
        const r = await fetch(url, { method: init.method ?? 'GET', headers: init.headers ?? {} });
        const buf = await r.arrayBuffer();
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
        const sha256 = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
        const headers: Record<string, string | null> = {};
        for (const h of init.readHeaders ?? []) headers[h] = r.headers.get(h);
        const text = buf.byteLength <= 4096 ? new TextDecoder().decode(buf) : '';
        return { ok: true as const, status: r.status, headers, sha256, size: buf.byteLength, text };
      } catch (e) {
        const err = e as Error;
        return { ok: false as const, name: err.name, message: err.message };
      }
    },
    { url, init },
  );
}
