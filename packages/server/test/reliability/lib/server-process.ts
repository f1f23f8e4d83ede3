/**
 * Runs `pail serve` as a real child process (the crash, durability, limits and soak harnesses
 * need a process they can SIGKILL, strace and measure), on a fresh data directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, type WriteStream } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from './util.js';

/** The repository root, from `packages/server/dist/test/reliability/lib/`. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../../../', import.meta.url));
export const PAIL_BIN = join(REPO_ROOT, 'packages/cli/bin/pail.js');

export const ROOT_CREDENTIALS = {
  accessKeyId: 'LTAIreliabilityRoot01',
  accessKeySecret: 'reliability-root-secret-0123456789abcdef',
} as const;

/** The region `pail serve` serves by default (V4 scope). */
export const REGION = process.env.PAIL_TEST_REGION ?? 'cn-hangzhou';

export function freshDir(label: string): string {
  return mkdtempSync(join(process.env.PAIL_TEST_TMP ?? tmpdir(), `pail-${label}-`));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  readonly dataDir: string;
  readonly port?: number;
  /** Extra `pail serve` flags (limits, timeouts…). */
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** A command prefix, e.g. `['strace', '-f', …, '--']`; the server is then a grandchild. */
  readonly wrap?: readonly string[];
  /** Where stdout+stderr go (appended); default `<dataDir>/../<basename>.log`. */
  readonly logFile?: string;
  readonly readyTimeoutMs?: number;
}

export class ServerProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly dataDir: string,
    readonly log: WriteStream,
    readonly logFile: string,
    private exitPromise: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
    private tail: { text: string },
    readonly wrapped: boolean,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(opts: StartOptions): Promise<ServerProcess> {
    const sp = ServerProcess.spawn(opts, opts.port ?? (await freePort()));
    await sp.waitReady(opts.readyTimeoutMs ?? 30_000);
    return sp;
  }

  /** Starts the process without waiting for it to listen (to kill it during startup recovery). */
  static spawn(opts: StartOptions, port = 1): ServerProcess {
    const logFile = opts.logFile ?? `${opts.dataDir.replace(/\/+$/, '')}.log`;
    const log = createWriteStream(logFile, { flags: 'a' });
    const serveArgs = [PAIL_BIN, 'serve', '--port', String(port), '--data-dir', opts.dataDir, ...(opts.args ?? [])];
    const cmd = opts.wrap?.length ? opts.wrap[0]! : process.execPath;
    const args = opts.wrap?.length ? [...opts.wrap.slice(1), process.execPath, ...serveArgs] : serveArgs;
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PAIL_ROOT_ACCESS_KEY_ID: ROOT_CREDENTIALS.accessKeyId,
        PAIL_ROOT_ACCESS_KEY_SECRET: ROOT_CREDENTIALS.accessKeySecret,
        ...(opts.env ?? {}),
      },
    });
    const tail = { text: '' };
    const onData = (b: Buffer) => {
      log.write(b);
      tail.text = (tail.text + b.toString('utf8')).slice(-8000);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const exitPromise = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });
    return new ServerProcess(child, port, opts.dataDir, log, logFile, exitPromise, tail, !!opts.wrap?.length);
  }

  /**
   * Ready = `/-/ready` answers 200: the server listens before storage recovery finishes
   * (`/-/health` is up, OSS requests get 503 until then), so "accepts connections" is not enough.
   */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exitPromise.then(() => {
      exited = true;
    });
    while (Date.now() < deadline) {
      if (exited) throw new Error(`pail serve exited before becoming ready:\n${this.tail.text}`);
      const ok = await new Promise<boolean>((resolve) => {
        const req = request({ host: '127.0.0.1', port: this.port, path: '/-/ready', method: 'GET', agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode === 200));
          res.on('error', () => resolve(false));
        });
        req.setTimeout(2000, () => req.destroy());
        req.on('error', () => resolve(false));
        req.end();
      });
      if (ok) return;
      await sleep(25);
    }
    throw new Error(`pail serve not ready after ${timeoutMs} ms:\n${this.tail.text}`);
  }

  /** The pid of the node process itself (the child, or the wrapper's child). */
  serverPid(): number {
    if (!this.wrapped) return this.child.pid!;
    const kids = readFileSync(`/proc/${this.child.pid}/task/${this.child.pid}/children`, 'utf8').trim().split(/\s+/);
    const pid = Number(kids[0]);
    if (!pid) throw new Error('wrapped server has no child process');
    return pid;
  }

  /** Resident set size of the server process in bytes (Linux /proc). */
  rss(): number {
    const status = readFileSync(`/proc/${this.serverPid()}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return m ? Number(m[1]) * 1024 : Number.NaN;
  }

  /** Removes the data directory and the log (call after a successful run). */
  removeFiles(): void {
    rmSync(this.dataDir, { recursive: true, force: true });
    rmSync(this.logFile, { force: true });
  }

  logTail(): string {
    return this.tail.text;
  }

  get exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exitPromise;
  }

  /** SIGKILL the server (not the wrapper: a killed tracer would detach and leave it running). */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      process.kill(this.serverPid(), signal);
    } catch {
      // already gone
    }
    await this.exitPromise;
    await new Promise<void>((r) => this.log.end(r));
  }

  /** Graceful stop: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      try {
        process.kill(this.serverPid(), 'SIGTERM');
      } catch {
        // already gone
      }
      const t = setTimeout(() => {
        try {
          process.kill(this.serverPid(), 'SIGKILL');
        } catch {
          // gone
        }
      }, graceMs);
      await this.exitPromise;
      clearTimeout(t);
    }
    await new Promise<void>((r) => this.log.end(r));
    return this.exitPromise;
  }
}
