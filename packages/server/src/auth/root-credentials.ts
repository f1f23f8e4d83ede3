/**
 * The root access key pair: created on first start (AccessKeyId `LTAI` + 20 alphanumerics,
 * a 30-character secret, both from the CSPRNG), kept in `<dataDir>/root-credentials.json`
 * with mode 0600, or overridden by PAIL_ROOT_ACCESS_KEY_ID / PAIL_ROOT_ACCESS_KEY_SECRET.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface RootCredentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
}

export const ROOT_CREDENTIALS_FILE = 'root-credentials.json';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `n` characters drawn uniformly from [A-Za-z0-9] (rejection sampling: no modulo bias). */
export function randomAlnum(n: number): string {
  let out = '';
  while (out.length < n) {
    for (const byte of randomBytes(n * 2)) {
      if (byte < 248) out += ALNUM[byte % 62];
      if (out.length === n) break;
    }
  }
  return out;
}

export function generateRootCredentials(): RootCredentials {
  return { accessKeyId: `LTAI${randomAlnum(20)}`, accessKeySecret: randomAlnum(30) };
}

function validate(c: unknown, file: string): RootCredentials {
  const o = c as Partial<RootCredentials> | null;
  if (
    !o ||
    typeof o.accessKeyId !== 'string' ||
    typeof o.accessKeySecret !== 'string' ||
    !/^[\x21-\x7e]+$/.test(o.accessKeyId) ||
    !/^[\x21-\x7e]+$/.test(o.accessKeySecret)
  ) {
    throw new Error(`${file} is not a valid root credentials file (expected {"accessKeyId": …, "accessKeySecret": …})`);
  }
  return { accessKeyId: o.accessKeyId, accessKeySecret: o.accessKeySecret };
}

async function readCredentials(file: string): Promise<RootCredentials | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not valid JSON; fix it or remove it to create a new root key`);
  }
  return validate(parsed, file);
}

/**
 * Loads the root key from `dataDir`, creating it when absent. The file appears atomically
 * (written and fsynced under a temporary name, then hard-linked into place, which fails if
 * another process won the race — then its key is used).
 */
export async function loadOrCreateRootCredentials(dataDir: string): Promise<{ credentials: RootCredentials; created: boolean }> {
  const file = join(dataDir, ROOT_CREDENTIALS_FILE);
  const existing = await readCredentials(file);
  if (existing) return { credentials: existing, created: false };
  await mkdir(dataDir, { recursive: true });
  const credentials = generateRootCredentials();
  const tmp = `${file}.${process.pid}.${randomAlnum(8)}.tmp`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(`${JSON.stringify({ ...credentials, createdAt: new Date().toISOString() }, null, 2)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await link(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const winner = await readCredentials(file);
    if (winner) return { credentials: winner, created: false };
    throw e;
  } finally {
    await unlink(tmp).catch(() => {});
  }
  const dir = await open(dataDir, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
  return { credentials, created: true };
}
