import { str } from '../args.js';
import { putBucket } from '../client.js';
import type { Command } from '../command.js';
import { CONNECTION_OPTIONS, STS_OPTION } from '../config.js';
import { withTransport } from '../context.js';
import { UsageError } from '../errors.js';
import { parseBucketUrl } from '../oss-url.js';

const ACLS = ['private', 'public-read', 'public-read-write'];

export const mb: Command = {
  spec: {
    name: 'mb',
    summary: 'make a bucket (PutBucket)',
    usage: ['mb oss://BUCKET [--acl ACL] [--storage-class CLASS]'],
    options: [
      { name: 'acl', value: 'ACL', type: 'string', description: `Canned ACL: ${ACLS.join(', ')} (default: private)` },
      { name: 'storage-class', value: 'CLASS', type: 'string', description: 'Standard, IA, Archive, ColdArchive, DeepColdArchive' },
      ...CONNECTION_OPTIONS,
      STS_OPTION,
    ],
    minPositionals: 1,
    maxPositionals: 1,
    details: 'Example:\n  pail mb oss://photos --acl public-read --endpoint http://127.0.0.1:9000',
  },
  async run(ctx) {
    const bucket = parseBucketUrl(ctx.args.positionals[0]!, 'mb');
    const acl = str(ctx.args, 'acl');
    if (acl !== undefined && !ACLS.includes(acl)) throw new UsageError(`pail mb: --acl must be one of ${ACLS.join(', ')}`);
    await withTransport(ctx, (t) => putBucket(t, bucket, acl, str(ctx.args, 'storage-class')));
    ctx.stdout.write(`Created bucket oss://${bucket}\n`);
    return 0;
  },
};
