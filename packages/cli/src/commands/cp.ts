import { lstat, readdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { flag, str } from '../args.js';
import { checkpointDir } from '../checkpoint.js';
import { copyObject, getObject, listAll } from '../client.js';
import type { Command } from '../command.js';
import { CONNECTION_OPTIONS, STS_OPTION } from '../config.js';
import type { Context } from '../context.js';
import { withTransport } from '../context.js';
import { UsageError } from '../errors.js';
import { humanSize, parsePositiveInt, parseSize } from '../format.js';
import type { Transport } from '../http.js';
import type { OssLocation } from '../oss-url.js';
import { dirPrefix, formatOssUrl, isOssUrl, parseOssUrl } from '../oss-url.js';
import { createProgress } from '../progress.js';
import { MIN_PART_SIZE, downloadObject, uploadFile } from '../transfer.js';
import { pipeToStdout } from './cat.js';

const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const DEFAULT_PARALLEL = 4;

export const cp: Command = {
  spec: {
    name: 'cp',
    summary: 'copy files to, from and between buckets (PutObject, multipart, GetObject, CopyObject)',
    usage: [
      'cp FILE oss://BUCKET/[KEY]',
      'cp oss://BUCKET/KEY FILE|DIR|-',
      'cp oss://BUCKET/KEY oss://BUCKET2/[KEY2]',
      'cp -r DIR oss://BUCKET/[PREFIX/]   (and the reverse, or bucket to bucket)',
    ],
    options: [
      { name: 'recursive', short: 'r', type: 'boolean', description: 'Copy a directory / every object under a prefix' },
      {
        name: 'part-size',
        value: 'SIZE',
        type: 'string',
        description: 'Multipart part size; larger files upload in parts (default 8M, minimum 100K)',
      },
      { name: 'parallel', short: 'j', value: 'N', type: 'string', description: `Parts uploaded at once (default ${DEFAULT_PARALLEL})` },
      { name: 'content-type', value: 'TYPE', type: 'string', description: 'Content-Type for uploads (default: from the file extension)' },
      {
        name: 'checkpoint-dir',
        value: 'DIR',
        type: 'string',
        description: 'Where resumable-upload records live (default: $PAIL_CHECKPOINT_DIR or ~/.pail/checkpoints)',
      },
      { name: 'quiet', short: 'q', type: 'boolean', description: 'No progress bar and no per-file lines' },
      ...CONNECTION_OPTIONS,
      STS_OPTION,
    ],
    minPositionals: 2,
    maxPositionals: 2,
    details: [
      'Files larger than --part-size are uploaded as a multipart upload with --parallel parts at',
      'a time. If the upload is interrupted (Ctrl+C, network, crash), run the same command again:',
      'it finds the checkpoint, asks the server which parts it has (ListParts) and sends only the',
      'missing ones. A progress bar with rate and ETA is drawn on stderr when it is a terminal.',
      '',
      'A destination ending in "/" (or an existing directory) receives the source under its own name.',
      'With -r, oss://BUCKET/PREFIX means everything under PREFIX/.',
      '',
      'Examples:',
      '  pail cp ./video.mp4 oss://media/2024/',
      '  pail cp oss://media/2024/video.mp4 .',
      '  pail cp -r ./site oss://www/',
      '  pail cp oss://media/a.jpg oss://archive/a.jpg',
    ].join('\n'),
  },
  async run(ctx) {
    const [src, dst] = ctx.args.positionals as [string, string];
    const opts = transferOptions(ctx);
    const srcOss = isOssUrl(src);
    const dstOss = isOssUrl(dst);
    if (!srcOss && !dstOss) throw new UsageError('pail cp: one side must be an oss:// URL (for local copies use cp)');
    if (src === '-') throw new UsageError('pail cp: uploading from stdin is not supported; save to a file first');
    const recursive = flag(ctx.args, 'recursive');
    // Sockets: parts in flight plus one for control requests.
    return withTransport(
      ctx,
      async (t) => {
        const interrupted = (): void => {
          ctx.stderr.write('\npail cp: interrupted; run the same command again to resume\n');
          process.exit(130);
        };
        process.once('SIGINT', interrupted);
        try {
          // `return await`: the finally below must wait for the transfer, not just its start.
          if (!srcOss) {
            return await (recursive ? uploadDir(ctx, t, src, parseOssUrl(dst, 'destination'), opts) : uploadOne(ctx, t, src, dst, opts));
          }
          const from = parseOssUrl(src, 'source');
          if (dstOss) return await (recursive ? copyPrefix(ctx, t, from, parseOssUrl(dst, 'destination')) : copyOne(ctx, t, from, dst));
          return await (recursive ? downloadPrefix(ctx, t, from, dst, opts) : downloadOne(ctx, t, from, dst, opts));
        } finally {
          process.off('SIGINT', interrupted);
        }
      },
      opts.parallel + 1,
    );
  },
};

interface TransferOptions {
  readonly partSize: number;
  readonly parallel: number;
  readonly checkpointDir: string;
  readonly quiet: boolean;
  readonly contentType: string | undefined;
}

function transferOptions(ctx: Context): TransferOptions {
  const ps = str(ctx.args, 'part-size');
  const partSize = ps === undefined ? DEFAULT_PART_SIZE : parseSize(ps, 'pail cp: --part-size');
  if (partSize < MIN_PART_SIZE) throw new UsageError(`pail cp: --part-size must be at least 100K (OSS minimum part size)`);
  if (partSize > 5 * 1024 ** 3) throw new UsageError('pail cp: --part-size must be at most 5G (OSS maximum part size)');
  const pj = str(ctx.args, 'parallel');
  const parallel = pj === undefined ? DEFAULT_PARALLEL : parsePositiveInt(pj, 'pail cp: --parallel', 64);
  return {
    partSize,
    parallel,
    checkpointDir: resolve(checkpointDir(str(ctx.args, 'checkpoint-dir'), ctx.env)),
    quiet: flag(ctx.args, 'quiet'),
    contentType: str(ctx.args, 'content-type'),
  };
}

/** Key for an upload/copy: a destination ending in '/' (or bare bucket) gets the source's name. */
function destKey(dst: OssLocation, name: string): string {
  return dst.key === '' || dst.key.endsWith('/') ? dst.key + name : dst.key;
}

function report(ctx: Context, opts: TransferOptions, line: string, toStderr = false): void {
  if (!opts.quiet) (toStderr ? ctx.stderr : ctx.stdout).write(`${line}\n`);
}

async function uploadOne(ctx: Context, t: Transport, file: string, dst: string, opts: TransferOptions): Promise<number> {
  const st = await stat(file);
  if (st.isDirectory()) throw new UsageError(`pail cp: ${file} is a directory (use -r)`);
  const to = parseOssUrl(dst, 'destination');
  await upload(ctx, t, file, to.bucket, destKey(to, basename(file)), opts);
  return 0;
}

async function upload(ctx: Context, t: Transport, file: string, bucket: string, key: string, opts: TransferOptions): Promise<void> {
  const progress = createProgress(basename(file), undefined, !opts.quiet);
  try {
    const r = await uploadFile(t, {
      file: resolve(file),
      bucket,
      key,
      partSize: opts.partSize,
      parallel: opts.parallel,
      checkpointDir: opts.checkpointDir,
      progress,
      ...(opts.contentType ? { contentType: opts.contentType } : {}),
      onResume: (done, total) => {
        if (!opts.quiet) ctx.stderr.write(`Resuming upload of ${file}: ${done} of ${total} parts already uploaded\n`);
      },
    });
    progress.done();
    report(ctx, opts, `upload: ${file} -> ${formatOssUrl(bucket, key)} (${humanSize(r.size)}${r.multipart ? ', multipart' : ''})`);
  } catch (e) {
    progress.done();
    throw e;
  }
}

async function uploadDir(ctx: Context, t: Transport, dir: string, to: OssLocation, opts: TransferOptions): Promise<number> {
  const st = await stat(dir);
  if (!st.isDirectory()) throw new UsageError(`pail cp -r: ${dir} is not a directory`);
  const prefix = dirPrefix(to.key);
  let n = 0;
  for await (const file of walk(dir)) {
    const rel = relative(dir, file).split(sep).join('/');
    await upload(ctx, t, file, to.bucket, prefix + rel, opts);
    n++;
  }
  report(ctx, opts, `${n} file${n === 1 ? '' : 's'} uploaded`);
  return 0;
}

/** Regular files under `dir`, depth first, in name order. Symlinks are not followed. */
async function* walk(dir: string): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.isFile()) yield p;
  }
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await lstat(p)).isDirectory() || (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function downloadOne(ctx: Context, t: Transport, from: OssLocation, dst: string, opts: TransferOptions): Promise<number> {
  if (from.key === '' || from.key.endsWith('/')) throw new UsageError(`pail cp: ${formatOssUrl(from.bucket, from.key)} is not an object (use -r)`);
  if (dst === '-') {
    const res = await getObject(t, from.bucket, from.key);
    await pipeToStdout(res, ctx.stdout);
    return 0;
  }
  const name = from.key.slice(from.key.lastIndexOf('/') + 1);
  const file = dst.endsWith('/') || dst.endsWith(sep) || (await isDir(dst)) ? join(dst, name) : dst;
  await download(ctx, t, from.bucket, from.key, file, opts);
  return 0;
}

async function download(ctx: Context, t: Transport, bucket: string, key: string, file: string, opts: TransferOptions): Promise<void> {
  const progress = createProgress(basename(file), undefined, !opts.quiet);
  try {
    const n = await downloadObject(t, bucket, key, file, progress);
    progress.done();
    report(ctx, opts, `download: ${formatOssUrl(bucket, key)} -> ${file} (${humanSize(n)})`);
  } catch (e) {
    progress.done();
    throw e;
  }
}

async function downloadPrefix(ctx: Context, t: Transport, from: OssLocation, dir: string, opts: TransferOptions): Promise<number> {
  if (dir === '-') throw new UsageError('pail cp -r: cannot write several objects to stdout');
  const prefix = dirPrefix(from.key);
  const root = resolve(dir);
  let n = 0;
  for await (const obj of listAll(t, from.bucket, prefix)) {
    const rel = obj.key.slice(prefix.length);
    if (rel === '' || rel.endsWith('/')) continue; // "folder" marker objects
    const file = resolve(root, ...rel.split('/'));
    // Keys are arbitrary strings: `../x` must not escape the destination directory.
    if (!file.startsWith(root + sep)) {
      ctx.stderr.write(`pail cp: skipping ${formatOssUrl(from.bucket, obj.key)}: key would leave ${dir}\n`);
      continue;
    }
    await download(ctx, t, from.bucket, obj.key, file, opts);
    n++;
  }
  report(ctx, opts, `${n} object${n === 1 ? '' : 's'} downloaded`);
  return 0;
}

async function copyOne(ctx: Context, t: Transport, from: OssLocation, dst: string): Promise<number> {
  if (from.key === '' || from.key.endsWith('/')) throw new UsageError(`pail cp: ${formatOssUrl(from.bucket, from.key)} is not an object (use -r)`);
  const to = parseOssUrl(dst, 'destination');
  const key = destKey(to, from.key.slice(from.key.lastIndexOf('/') + 1));
  await copyObject(t, from, to.bucket, key);
  if (!flag(ctx.args, 'quiet')) ctx.stdout.write(`copy: ${formatOssUrl(from.bucket, from.key)} -> ${formatOssUrl(to.bucket, key)}\n`);
  return 0;
}

async function copyPrefix(ctx: Context, t: Transport, from: OssLocation, to: OssLocation): Promise<number> {
  const srcPrefix = dirPrefix(from.key);
  const dstPrefix = dirPrefix(to.key);
  if (from.bucket === to.bucket && dstPrefix.startsWith(srcPrefix)) {
    throw new UsageError('pail cp -r: the destination lies inside the source prefix');
  }
  let n = 0;
  for await (const obj of listAll(t, from.bucket, srcPrefix)) {
    const key = dstPrefix + obj.key.slice(srcPrefix.length);
    await copyObject(t, { bucket: from.bucket, key: obj.key }, to.bucket, key);
    if (!flag(ctx.args, 'quiet')) ctx.stdout.write(`copy: ${formatOssUrl(from.bucket, obj.key)} -> ${formatOssUrl(to.bucket, key)}\n`);
    n++;
  }
  if (!flag(ctx.args, 'quiet')) ctx.stdout.write(`${n} object${n === 1 ? '' : 's'} copied\n`);
  return 0;
}
