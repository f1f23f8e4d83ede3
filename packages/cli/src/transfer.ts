/**
 * File transfers for `pail cp`: simple and multipart uploads (parallel, resumable), and
 * downloads through a temporary file. Bytes are always streamed; a multipart part is read
 * straight from its range of the file.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Checkpoint, CheckpointPart } from './checkpoint.js';
import { CheckpointWriter, checkpointPath, loadCheckpoint } from './checkpoint.js';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  getObject,
  initiateMultipartUpload,
  listParts,
  putObject,
  uploadPart,
} from './client.js';
import { formatEndpoint } from './config.js';
import { CliError, OssError } from './errors.js';
import { header } from './http.js';
import type { Transport } from './http.js';
import { contentTypeFor } from './mime.js';
import type { Progress } from './progress.js';

/** OSS limits (oss-api-notes.md §5.2): parts 1..10000, each ≥ 100 KB except the last. */
export const MIN_PART_SIZE = 100 * 1024;
export const MAX_PARTS = 10000;

export interface UploadOptions {
  readonly file: string;
  readonly bucket: string;
  readonly key: string;
  /** Part size, also the size above which multipart is used. */
  readonly partSize: number;
  readonly parallel: number;
  readonly checkpointDir: string;
  readonly progress: Progress;
  /** Told about a resume: parts already on the server / all parts. */
  readonly onResume?: (doneParts: number, totalParts: number) => void;
  readonly contentType?: string;
}

export interface UploadResult {
  readonly etag: string;
  readonly size: number;
  readonly multipart: boolean;
}

export async function uploadFile(t: Transport, o: UploadOptions): Promise<UploadResult> {
  const st = await stat(o.file);
  if (!st.isFile()) throw new CliError(`${o.file}: not a regular file`);
  // Named after the object, as ali-oss does; the local name only when the key says nothing.
  const guessed = contentTypeFor(o.key);
  const headers = { 'content-type': o.contentType ?? (guessed === 'application/octet-stream' ? contentTypeFor(o.file) : guessed) };
  o.progress.setTotal(st.size);
  if (st.size <= o.partSize) {
    const etag = await putObject(
      t,
      o.bucket,
      o.key,
      () => counted(createReadStream(o.file), o.progress),
      st.size,
      headers,
    );
    return { etag, size: st.size, multipart: false };
  }
  return multipartUpload(t, o, st.size, st.mtimeMs, headers);
}

async function multipartUpload(
  t: Transport,
  o: UploadOptions,
  size: number,
  mtimeMs: number,
  headers: Record<string, string>,
): Promise<UploadResult> {
  const endpoint = formatEndpoint(t.conn.endpoint);
  const path = checkpointPath(o.checkpointDir, o.file, endpoint, o.bucket, o.key);
  const writer = new CheckpointWriter(path);
  let cp = await loadCheckpoint(path);
  const done = new Map<number, CheckpointPart>();

  if (cp && (cp.size !== size || cp.mtimeMs !== mtimeMs || cp.bucket !== o.bucket || cp.key !== o.key)) {
    // The source changed since the interrupted run: its parts are worthless now.
    await abortMultipartUpload(t, cp.bucket, cp.key, cp.uploadId).catch(() => {});
    cp = undefined;
  }
  if (cp) {
    // Trust only parts both we and the server remember, with the same ETag and size.
    let onServer: Awaited<ReturnType<typeof listParts>> | undefined;
    try {
      onServer = await listParts(t, o.bucket, o.key, cp.uploadId);
    } catch (e) {
      if (!(e instanceof OssError && e.code === 'NoSuchUpload')) throw e;
    }
    if (onServer) {
      const server = new Map(onServer.map((p) => [p.partNumber, p]));
      for (const p of cp.parts) {
        const s = server.get(p.partNumber);
        if (s && sameEtag(s.etag, p.etag) && (s.size === p.size || s.size < 0)) done.set(p.partNumber, p);
      }
    } else {
      cp = undefined;
    }
  }
  // Keep the part size of an upload being resumed: the recorded parts were cut with it.
  const partSize = cp?.partSize ?? Math.max(o.partSize, Math.ceil(size / MAX_PARTS));
  const partCount = Math.ceil(size / partSize);
  if (!cp) {
    const uploadId = await initiateMultipartUpload(t, o.bucket, o.key, headers);
    cp = {
      version: 1,
      source: o.file,
      size,
      mtimeMs,
      endpoint,
      bucket: o.bucket,
      key: o.key,
      uploadId,
      partSize,
      parts: [],
      createdAt: new Date().toISOString(),
    };
    await writer.save(cp);
  } else {
    o.onResume?.(done.size, partCount);
  }
  const uploadId = cp.uploadId;
  const base = cp;
  const snapshot = (): Checkpoint => ({ ...base, parts: [...done.values()].sort((a, b) => a.partNumber - b.partNumber) });
  if (done.size !== cp.parts.length) await writer.save(snapshot());

  const partLength = (n: number): number => Math.min(partSize, size - (n - 1) * partSize);
  o.progress.setBase([...done.values()].reduce((s, p) => s + p.size, 0));
  const todo: number[] = [];
  for (let n = 1; n <= partCount; n++) if (!done.has(n)) todo.push(n);

  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (failure === undefined) {
      const n = todo.shift();
      if (n === undefined) return;
      const start = (n - 1) * partSize;
      const len = partLength(n);
      try {
        const etag = await uploadPart(
          t,
          o.bucket,
          o.key,
          uploadId,
          n,
          () => counted(createReadStream(o.file, { start, end: start + len - 1 }), o.progress),
          len,
        );
        done.set(n, { partNumber: n, etag, size: len });
        await writer.save(snapshot());
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.parallel, Math.max(1, todo.length)) }, worker));
  if (failure !== undefined) throw failure;

  const now = await stat(o.file);
  if (now.size !== size || now.mtimeMs !== mtimeMs) {
    throw new CliError(`${o.file} changed during the upload; run the command again to upload the new content`);
  }
  const etag = await completeMultipartUpload(t, o.bucket, o.key, uploadId, snapshot().parts);
  await writer.remove();
  return { etag, size, multipart: true };
}

function sameEtag(a: string, b: string): boolean {
  return a.replace(/"/g, '').toLowerCase() === b.replace(/"/g, '').toLowerCase();
}

/** Counts bytes into the progress bar as they pass. */
function counted(src: Readable, progress: Progress): Readable {
  const meter = new Transform({
    transform(chunk: Buffer, _e, cb) {
      progress.add(chunk.length);
      cb(null, chunk);
    },
  });
  src.on('error', (e) => meter.destroy(e));
  meter.on('close', () => src.destroy());
  return src.pipe(meter);
}

/**
 * GetObject into `dest` via `dest.pail-tmp`, renamed into place only when the byte count
 * matches Content-Length, so a failed download never leaves a plausible-looking file.
 */
export async function downloadObject(
  t: Transport,
  bucket: string,
  key: string,
  dest: string,
  progress: Progress,
): Promise<number> {
  const res = await getObject(t, bucket, key);
  const expected = Number(header(res, 'content-length') ?? Number.NaN);
  progress.setTotal(Number.isFinite(expected) ? expected : undefined);
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.pail-tmp`;
  let got = 0;
  try {
    await pipeline(
      res,
      new Transform({
        transform(chunk: Buffer, _e, cb) {
          got += chunk.length;
          progress.add(chunk.length);
          cb(null, chunk);
        },
      }),
      createWriteStream(tmp),
    );
    if (Number.isFinite(expected) && got !== expected) {
      throw new CliError(`oss://${bucket}/${key}: received ${got} bytes, Content-Length said ${expected}`);
    }
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return got;
}
