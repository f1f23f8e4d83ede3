/**
 * Plumbing for the CLI conformance suite: a real Pail on port 0 with a throw-away data
 * directory, the `pail` binary as a child process (credentials and endpoint through the
 * environment, as users run it), a recording HTTP proxy that can hold requests, and hashing.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveServerConfig, startServer } from '@pail/server';

export const BIN = fileURLToPath(new URL('../../../bin/pail.js', import.meta.url));

export interface PailUnderTest {
  readonly url: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** Scratch directory for the test's files (removed by close()). */
  readonly work: string;
  /** Environment for child `pail` processes: credentials, endpoint, checkpoint dir. */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

export async function startPail(): Promise<PailUnderTest> {
  const work = await mkdtemp(join(tmpdir(), 'pail-cli-conformance-'));
  const dataDir = join(work, 'data');
  const server = await startServer(resolveServerConfig(['--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir], {}));
  const { accessKeyId, accessKeySecret } = server.rootCredentials;
  const url = server.url.replace(/\/$/, '');
  return {
    url,
    accessKeyId,
    accessKeySecret,
    work,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: work,
      OSS_ACCESS_KEY_ID: accessKeyId,
      OSS_ACCESS_KEY_SECRET: accessKeySecret,
      OSS_ENDPOINT: url,
      PAIL_CHECKPOINT_DIR: join(work, 'checkpoints'),
    },
    async close() {
      await server.close();
      await rm(work, { recursive: true, force: true });
    },
  };
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/**
 * Runs `pail …` asynchronously (the server lives in this process: spawnSync would block it).
 * `onSpawn` gets the child, e.g. to kill it.
 */
export function pail(env: Record<string, string>, args: string[], onSpawn?: (c: ChildProcess) => void): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }),
    );
    onSpawn?.(child);
  });
}

/** Asserts exit 0 and returns stdout as text. */
export async function ok(env: Record<string, string>, args: string[]): Promise<string> {
  const r = await pail(env, args);
  assert.equal(r.code, 0, `pail ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.toString('utf8');
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

export interface Logged {
  readonly method: string;
  readonly url: string;
  readonly range: string | undefined;
  status?: number;
}

/**
 * A forwarding proxy in front of Pail that records every request and can stop forwarding:
 * `holdAfter(pred, n)` lets through `n` successful requests matching `pred`, then holds every
 * later request open (never answered) until `release()`. That freezes a client mid-transfer
 * deterministically, so a test can kill it without racing the server.
 */
export interface Proxy {
  readonly url: string;
  readonly log: Logged[];
  holdAfter(pred: (l: Logged) => boolean, n: number): Promise<void>;
  release(): void;
  close(): Promise<void>;
}

export async function startProxy(target: string): Promise<Proxy> {
  const m = /^http:\/\/([^:/]+):(\d+)$/.exec(target);
  assert.ok(m, `proxy target ${target}`);
  const log: Logged[] = [];
  let gate: { pred: (l: Logged) => boolean; left: number; reached: () => void } | undefined;
  let holding = false;
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const entry: Logged = { method: req.method ?? '', url: req.url ?? '', range: req.headers.range };
    if (holding) {
      held.push(res);
      req.resume();
      return;
    }
    log.push(entry);
    const up = http.request(
      { host: m[1], port: Number(m[2]), method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        entry.status = upRes.statusCode;
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
        upRes.on('end', () => {
          if (gate && (upRes.statusCode ?? 0) < 300 && gate.pred(entry) && --gate.left <= 0) {
            holding = true;
            gate.reached();
          }
        });
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const release = (): void => {
    holding = false;
    gate = undefined;
    for (const r of held.splice(0)) r.destroy();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    holdAfter(pred, n) {
      return new Promise((reached) => {
        gate = { pred, left: n, reached };
      });
    },
    release,
    async close() {
      release();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
