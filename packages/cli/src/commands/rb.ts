import { deleteBucket } from '../client.js';
import type { Command } from '../command.js';
import { CONNECTION_OPTIONS, STS_OPTION } from '../config.js';
import { withTransport } from '../context.js';
import { UsageError } from '../errors.js';
import { parseOssUrl } from '../oss-url.js';

export const rb: Command = {
  spec: {
    name: 'rb',
    summary: 'remove an empty bucket (DeleteBucket)',
    usage: ['rb oss://BUCKET'],
    options: [...CONNECTION_OPTIONS, STS_OPTION],
    minPositionals: 1,
    maxPositionals: 1,
    details: 'The bucket must be empty (OSS answers BucketNotEmpty otherwise); empty it with\n  pail rm -r oss://BUCKET',
  },
  async run(ctx) {
    const loc = parseOssUrl(ctx.args.positionals[0]!, 'bucket');
    if (loc.key !== '') throw new UsageError(`pail rb: '${ctx.args.positionals[0]}' names an object; give oss://BUCKET`);
    await withTransport(ctx, (t) => deleteBucket(t, loc.bucket));
    ctx.stdout.write(`Removed bucket oss://${loc.bucket}\n`);
    return 0;
  },
};
