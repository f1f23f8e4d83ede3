import { deleteBucket } from '../client.js';
import type { Command } from '../command.js';
import { CONNECTION_OPTIONS, STS_OPTION } from '../config.js';
import { withTransport } from '../context.js';
import { parseBucketUrl } from '../oss-url.js';

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
    const bucket = parseBucketUrl(ctx.args.positionals[0]!, 'rb');
    await withTransport(ctx, (t) => deleteBucket(t, bucket));
    ctx.stdout.write(`Removed bucket oss://${bucket}\n`);
    return 0;
  },
};
