import { flag } from '../args.js';
import { deleteMultipleObjects, deleteObject, listAll, listObjectsV2 } from '../client.js';
import type { Command } from '../command.js';
import { CONNECTION_OPTIONS, STS_OPTION } from '../config.js';
import { withTransport } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { dirPrefix, formatOssUrl, parseOssUrl } from '../oss-url.js';

/** DeleteMultipleObjects takes at most 1000 keys per request. */
const BATCH = 1000;

export const rm: Command = {
  spec: {
    name: 'rm',
    summary: 'delete an object, or everything under a prefix (DeleteObject, DeleteMultipleObjects)',
    usage: ['rm oss://BUCKET/KEY', 'rm -r oss://BUCKET[/PREFIX] [--dry-run]'],
    options: [
      { name: 'recursive', short: 'r', type: 'boolean', description: 'Delete every object under PREFIX/ (the whole bucket without a prefix)' },
      { name: 'dry-run', type: 'boolean', description: 'With -r: list what would be deleted, delete nothing' },
      { name: 'quiet', short: 'q', type: 'boolean', description: 'Print nothing on success' },
      ...CONNECTION_OPTIONS,
      STS_OPTION,
    ],
    minPositionals: 1,
    maxPositionals: 1,
    details: [
      'With -r, oss://BUCKET/photos means everything under photos/ (not photos2/), and the keys are',
      'deleted in batches of 1000 with DeleteMultipleObjects.',
      'Examples:',
      '  pail rm oss://photos/old.jpg',
      '  pail rm -r oss://photos/2019 --dry-run',
    ].join('\n'),
  },
  async run(ctx) {
    const loc = parseOssUrl(ctx.args.positionals[0]!);
    const quiet = flag(ctx.args, 'quiet');
    if (!flag(ctx.args, 'recursive')) {
      if (loc.key === '') throw new UsageError('pail rm: give an object (oss://BUCKET/KEY), or -r to empty a bucket; rb removes buckets');
      await withTransport(ctx, (t) => deleteObject(t, loc.bucket, loc.key));
      if (!quiet) ctx.stdout.write(`Deleted ${formatOssUrl(loc.bucket, loc.key)}\n`);
      return 0;
    }
    const prefix = dirPrefix(loc.key);
    const dryRun = flag(ctx.args, 'dry-run');
    let count = 0;
    await withTransport(ctx, async (t) => {
      if (dryRun) {
        for await (const obj of listAll(t, loc.bucket, prefix)) {
          ctx.stdout.write(`would delete ${formatOssUrl(loc.bucket, obj.key)}\n`);
          count++;
        }
        return;
      }
      // Always re-list from the start instead of following continuation tokens: deleting
      // under a cursor is only safe if the server's token is a key, which nothing guarantees.
      let previousFirst: string | undefined;
      for (;;) {
        const page = await listObjectsV2(t, loc.bucket, { prefix, maxKeys: BATCH });
        const keys = page.objects.map((o) => o.key);
        if (keys.length === 0) return;
        if (keys[0] === previousFirst) throw new CliError(`pail rm: ${formatOssUrl(loc.bucket, keys[0]!)} is still listed after DeleteMultipleObjects`);
        previousFirst = keys[0];
        await deleteMultipleObjects(t, loc.bucket, keys);
        count += keys.length;
      }
    });
    if (!quiet) {
      const what = `${count} object${count === 1 ? '' : 's'} under ${formatOssUrl(loc.bucket, prefix)}`;
      ctx.stdout.write(dryRun ? `Would delete ${what}\n` : `Deleted ${what}\n`);
    }
    return 0;
  },
};
