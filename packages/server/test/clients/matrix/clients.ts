/**
 * The non-browser clients of the matrix: how to start each snippet as its own process, and how each
 * one is told to trust the dev CA over HTTPS, always by that client's normal mechanism
 * (docs/compatibility.md, "HTTPS"). Nothing here ever turns certificate checking off.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type MatrixPail, REPO_ROOT, type RunResult, run, SNIPPETS, type Scheme, TMP } from './harness.js';

/** Whether `cmd` is on PATH (checked once, when the test file loads, to decide skips). */
export function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Why a client cannot run here, or undefined when it can. Under CI a missing client is a failure
 * (scripts/setup-clients.sh installs them all); on a developer machine it is a skip.
 */
export function missing(reason: string | undefined): string | undefined {
  if (reason && process.env['CI']) throw new Error(`client matrix: ${reason} (run scripts/setup-clients.sh)`);
  return reason;
}

export interface RuntimeClient {
  /** Column name in docs/compatibility.md. */
  readonly name: string;
  /** Skip reason, or undefined. */
  readonly unavailable: string | undefined;
  /** One-time preparation (builds, trust stores). */
  prepare?(pail: MatrixPail): Promise<void>;
  /** Downloads `url` to `file` (`resume`: continue a partial `file` with a Range request). */
  download(pail: MatrixPail, scheme: Scheme, url: string, file: string, resume?: boolean): Promise<RunResult>;
  /** What the client prints for an OSS error code (the snippets print the XML body). */
  errorText?(code: string): string;
}

const PYTHON = join(TMP, 'venv', 'bin', 'python');
const PAIL = join(REPO_ROOT, 'packages', 'cli', 'bin', 'pail.js');
const GO_SRC = join(SNIPPETS, 'go', 'main.go');
const GO_BIN = join(TMP, 'matrix', 'go-get');
const JAVA_STORE_PASS = 'changeit';

const resumeArg = (resume: boolean | undefined) => (resume ? ['--resume'] : []);

/** Node's https.get (the OSS guide's Node.js snippet) and global fetch; trust via NODE_EXTRA_CA_CERTS. */
function nodeClient(name: string, script: string): RuntimeClient {
  return {
    name,
    unavailable: undefined,
    download: (pail, scheme, url, file, resume) =>
      run(process.execPath, [join(SNIPPETS, 'node', script), url, file, ...resumeArg(resume)], {
        env: scheme === 'https' ? { NODE_EXTRA_CA_CERTS: pail.caFile } : {},
      }),
  };
}

export const RUNTIME_CLIENTS: readonly RuntimeClient[] = [
  nodeClient('Node.js https.get', 'https-get.mjs'),
  nodeClient('Node.js fetch', 'fetch.mjs'),
  {
    // Pail's own downloader (docs/cli.md): resumes by default, so a plain run gets --no-resume.
    name: 'pail get',
    unavailable: missing(existsSync(PAIL) ? undefined : `no ${PAIL}`),
    download: (pail, scheme, url, file, resume) =>
      run(process.execPath, [PAIL, 'get', url, '-o', file, '-q', ...(resume ? [] : ['--no-resume'])], {
        env: scheme === 'https' ? { NODE_EXTRA_CA_CERTS: pail.caFile } : {},
      }),
    errorText: (code) => `${code}:`,
  },
  {
    // requests verifies against certifi's bundle unless told otherwise; REQUESTS_CA_BUNDLE is the
    // documented switch (it replaces the bundle, which is what a private CA needs).
    name: 'Python requests',
    unavailable: missing(existsSync(PYTHON) ? undefined : `no Python venv at ${PYTHON}`),
    download: (pail, scheme, url, file, resume) =>
      run(PYTHON, [join(SNIPPETS, 'python', 'download.py'), url, file, ...resumeArg(resume)], {
        env: scheme === 'https' ? { REQUESTS_CA_BUNDLE: pail.caFile } : {},
      }),
  },
  {
    // Single-file source launch, as the guide's snippet would be run; a PKCS12 trust store made by
    // keytool, passed with the standard javax.net.ssl properties.
    name: 'Java HttpURLConnection',
    unavailable: missing(onPath('java') && onPath('keytool') ? undefined : 'java/keytool not on PATH'),
    async prepare(pail) {
      const r = await run('keytool', [
        '-importcert', '-noprompt', '-alias', 'pail-dev', '-file', pail.caFile,
        '-keystore', join(pail.work, 'truststore.p12'), '-storetype', 'PKCS12', '-storepass', JAVA_STORE_PASS,
      ]);
      if (r.code !== 0) throw new Error(`keytool: ${r.stdout}${r.stderr}`);
    },
    download: (pail, scheme, url, file, resume) =>
      run(
        'java',
        [
          ...(scheme === 'https'
            ? [`-Djavax.net.ssl.trustStore=${join(pail.work, 'truststore.p12')}`, `-Djavax.net.ssl.trustStorePassword=${JAVA_STORE_PASS}`]
            : []),
          join(SNIPPETS, 'java', 'Demo.java'),
          url,
          file,
          ...resumeArg(resume),
        ],
        { env: { JAVA_TOOL_OPTIONS: undefined } },
      ),
  },
  {
    // Prebuilt by scripts/setup-clients.sh; rebuilt here when missing or older than its source.
    // SSL_CERT_FILE is how crypto/x509 is pointed at a CA file on Linux.
    name: 'Go net/http',
    unavailable: missing(onPath('go') || existsSync(GO_BIN) ? undefined : 'go not on PATH'),
    async prepare() {
      if (existsSync(GO_BIN) && statSync(GO_BIN).mtimeMs >= statSync(GO_SRC).mtimeMs) return;
      const r = await run('go', ['build', '-o', GO_BIN, 'main.go'], { cwd: join(SNIPPETS, 'go') });
      if (r.code !== 0) throw new Error(`go build: ${r.stdout}${r.stderr}`);
    },
    download: (pail, scheme, url, file, resume) =>
      run(GO_BIN, [url, file, ...resumeArg(resume)], { env: scheme === 'https' ? { SSL_CERT_FILE: pail.caFile } : {} }),
  },
];

export const CURL_UNAVAILABLE = missing(onPath('curl') ? undefined : 'curl not on PATH');

/** curl in `cwd` (where `-O` saves), trusting the dev CA with --cacert for https URLs. */
export function curl(pail: MatrixPail, scheme: Scheme, cwd: string, args: readonly string[]): Promise<RunResult> {
  return run('curl', [...(scheme === 'https' ? ['--cacert', pail.caFile] : []), ...args], { cwd });
}
