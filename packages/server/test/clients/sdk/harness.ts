/**
 * Shared plumbing for the official-SDK suites (sdk-python, sdk-go, sdk-java): a real Pail on a real
 * socket, and a client program (one per language, next to this file) run as a child process.
 *
 * Each client program runs numbered steps and prints one JSON line per step
 * `{"step":"03-head-object","ok":true,"detail":"…"}`; the suites turn every line into a subtest,
 * so a failing step shows the SDK's own error (code, message, request id).
 *
 * The toolchains come from scripts/setup-sdk-clients.sh (into .tmp/). When its output is missing or
 * older than the client's sources the suites fail, saying so: they never skip.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resolveServerConfig, startServer } from '../../../src/index.js';

/** Repository root, from `packages/server/dist/test/clients/sdk/`. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../../../', import.meta.url));

/** Pail's default region (oss-signature.md §1.4); every client signs for it. */
export const REGION = 'cn-hangzhou';
/**
 * Base domains for virtual-hosted requests. `localhost` is Pail's default; the Java SDK treats a
 * `localhost` endpoint as path style, so it gets a second domain for its virtual-hosted run.
 */
export const DOMAINS = ['localhost', 'pail.test'] as const;

/** Enough for 2 × 20 MiB uploads and downloads per run on a slow CI machine, never hit normally. */
const CLIENT_TIMEOUT_MS = 240_000;

export interface PailUnderTest {
  readonly port: number;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  close(): Promise<void>;
}

/** Pail on an ephemeral loopback port with a throw-away data directory. */
export async function startPail(): Promise<PailUnderTest> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pail-sdk-'));
  const argv = ['--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, '--region', REGION, '--log-level', 'warn'];
  for (const d of DOMAINS) argv.push('--domain', d);
  const server = await startServer(resolveServerConfig(argv, {}));
  return {
    port: server.port,
    accessKeyId: server.rootCredentials.accessKeyId,
    accessKeySecret: server.rootCredentials.accessKeySecret,
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Fails (never skips) when setup has not run, or ran before the client's sources last changed.
 * Paths are relative to the repository root.
 * @param output what the suite runs, as scripts/setup-sdk-clients.sh left it
 * @param stamp the file setup writes (or touches) last, once that part is complete
 * @param sources what setup built the part from
 * @returns the absolute path of `output`
 */
export function requireSetup(part: 'python' | 'go' | 'java', output: string, stamp: string, sources: readonly string[]): string {
  const hint = `run \`bash scripts/setup-sdk-clients.sh ${part}\` first (CI: .ci/run does)`;
  for (const f of [output, stamp]) assert.ok(existsSync(join(REPO_ROOT, f)), `${f} is missing: the ${part} SDK client is not set up; ${hint}`);
  const built = statSync(join(REPO_ROOT, stamp)).mtimeMs;
  for (const s of sources) {
    const changed = statSync(join(REPO_ROOT, s)).mtimeMs;
    assert.ok(changed <= built, `${s} changed after ${stamp} was written: the ${part} SDK client is stale; ${hint}`);
  }
  return join(REPO_ROOT, output);
}

export interface StepResult {
  readonly step: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly ms?: number;
}

export interface ClientRun {
  readonly steps: StepResult[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** stdout lines that were not step lines (a crash trace, an SDK log line). */
  readonly stray: string[];
  readonly stderr: string;
}

/**
 * Runs one client program to the end. Credentials travel in the environment, not in argv (which
 * any local user can read); `--keep-going` makes the client run every step after a failure so each
 * one is reported on its own.
 */
export function runClient(command: string, args: readonly string[], pail: PailUnderTest, cwd = REPO_ROOT): Promise<ClientRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args, '--keep-going'], {
      cwd,
      env: {
        ...process.env,
        OSS_ACCESS_KEY_ID: pail.accessKeyId,
        OSS_ACCESS_KEY_SECRET: pail.accessKeySecret,
        // Proxies from the environment must not capture loopback traffic.
        NO_PROXY: '*',
        no_proxy: '*',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), CLIENT_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const steps: StepResult[] = [];
      const stray: string[] = [];
      for (const line of stdout.split('\n')) {
        if (line.trim() === '') continue;
        const parsed = parseStep(line);
        if (parsed) steps.push(parsed);
        else stray.push(line);
      }
      resolve({ steps, code, signal, stray, stderr });
    });
  });
}

function parseStep(line: string): StepResult | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(line) as Partial<StepResult>;
    if (typeof v.step === 'string' && typeof v.ok === 'boolean') {
      return { step: v.step, ok: v.ok, detail: typeof v.detail === 'string' ? v.detail : '', ms: v.ms };
    }
  } catch {
    // not a step line
  }
  return undefined;
}

/**
 * One subtest per step (named after it), then the run as a whole: every expected step reported,
 * exit status 0. `expected` is the client's step list, so a client that dies mid-way fails here
 * instead of passing on the steps it managed to print.
 */
export async function reportSteps(t: TestContext, run: ClientRun, expected: readonly string[]): Promise<void> {
  for (const s of run.steps) {
    await t.test(s.step, () => {
      assert.ok(s.ok, s.detail);
    });
  }
  const tail = () => `\nexit ${run.code ?? run.signal}\nstray stdout:\n${run.stray.join('\n').slice(-2000)}\nstderr:\n${run.stderr.slice(-4000)}`;
  assert.deepEqual(
    run.steps.map((s) => s.step.replace(/^\d+-/, '')),
    expected,
    `the client did not report every step${tail()}`,
  );
  const failed = run.steps.filter((s) => !s.ok).map((s) => s.step);
  assert.deepEqual(failed, [], `failed steps: ${failed.join(', ')}`);
  assert.equal(run.code, 0, `client exit status${tail()}`);
}

/** What one SDK suite has of its own; the rest is `describeSdkClient`'s. */
export interface SdkClient {
  /** The suite's title. */
  readonly title: string;
  /** Names the buckets: `sdk-<name>-path`, `sdk-<name>-vhost`. */
  readonly name: 'python' | 'go' | 'java';
  /** The client's step list, in order (see `reportSteps`). */
  readonly steps: readonly string[];
  /** The base domain of the virtual-hosted run. */
  readonly vhostDomain: (typeof DOMAINS)[number];
  /**
   * Checks the setup (`requireSetup`) and returns the command line before the flags, which every
   * client takes alike: `--endpoint URL --region REGION --bucket NAME --style path|virtual`.
   */
  prepare(): readonly [command: string, ...args: string[]];
}

/**
 * An SDK suite: one Pail, then the client's whole run against it twice, path style on an IP
 * endpoint and virtual-hosted on `vhostDomain`; every step is a subtest (`reportSteps`).
 */
export function describeSdkClient(client: SdkClient): void {
  describe(client.title, () => {
    let pail: PailUnderTest;
    let command: readonly [string, ...string[]];
    before(async () => {
      command = client.prepare();
      pail = await startPail();
    });
    after(async () => {
      await pail?.close();
    });

    const run = async (t: TestContext, host: string, style: 'path' | 'virtual', bucket: string) => {
      const [program, ...args] = command;
      const flags = ['--endpoint', `http://${host}:${pail.port}`, '--region', REGION, '--bucket', bucket, '--style', style];
      await reportSteps(t, await runClient(program, [...args, ...flags], pail), client.steps);
    };
    test('path style (http://127.0.0.1:PORT/bucket/key)', (t) => run(t, '127.0.0.1', 'path', `sdk-${client.name}-path`));
    test(`virtual-hosted style (http://bucket.${client.vhostDomain}:PORT/key)`, (t) =>
      run(t, client.vhostDomain, 'virtual', `sdk-${client.name}-vhost`));
  });
}
