/**
 * Resumable multipart uploads: a small JSON file per (source file, destination) records the
 * UploadId and every part the server acknowledged, so an interrupted `pail cp` can pick up where
 * it stopped. Written atomically (temp file + rename) after every part: a crash leaves either
 * the old or the new record, never a torn one.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface CheckpointPart {
  readonly partNumber: number;
  readonly etag: string;
  readonly size: number;
}

export interface Checkpoint {
  readonly version: 1;
  /** Absolute path of the source file. */
  readonly source: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly endpoint: string;
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
  readonly partSize: number;
  readonly parts: CheckpointPart[];
  readonly createdAt: string;
}

/** `--checkpoint-dir`, else $PAIL_CHECKPOINT_DIR, else ~/.pail/checkpoints. */
export function checkpointDir(flagValue: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  return flagValue ?? env['PAIL_CHECKPOINT_DIR'] ?? join(homedir(), '.pail', 'checkpoints');
}

/**
 * One file per source + destination. Size and mtime live inside rather than in the name so a
 * changed source finds its stale upload and can abort it instead of leaking it.
 */
export function checkpointPath(dir: string, source: string, endpoint: string, bucket: string, key: string): string {
  const id = createHash('sha256').update(JSON.stringify([source, endpoint, bucket, key])).digest('hex').slice(0, 32);
  return join(dir, `${id}.json`);
}

export async function loadCheckpoint(path: string): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const cp = JSON.parse(text) as Checkpoint;
    return cp.version === 1 && typeof cp.uploadId === 'string' && Array.isArray(cp.parts) ? cp : undefined;
  } catch {
    return undefined; // unreadable: start over (the stale upload is left to lifecycle rules)
  }
}

/** Serialises writes so concurrent part completions never interleave. */
export class CheckpointWriter {
  private chain: Promise<void> = Promise.resolve();
  private dirReady = false;
  constructor(private readonly path: string) {}

  save(cp: Checkpoint): Promise<void> {
    const text = JSON.stringify(cp, null, 1);
    this.chain = this.chain.then(async () => {
      if (!this.dirReady) {
        await mkdir(join(this.path, '..'), { recursive: true });
        this.dirReady = true;
      }
      const tmp = `${this.path}.${process.pid}.tmp`;
      await writeFile(tmp, text);
      await rename(tmp, this.path);
    });
    return this.chain;
  }

  async remove(): Promise<void> {
    await this.chain.catch(() => {});
    await rm(this.path, { force: true });
  }
}
