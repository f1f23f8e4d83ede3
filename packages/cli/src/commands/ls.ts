import { flag } from '../args.js';
import type { ObjectSummary } from '../client.js';
import { listBuckets, listObjectsV2 } from '../client.js';
import type { Command } from '../command.js';
import { CONNECTION_OPTIONS, STS_OPTION } from '../config.js';
import { withTransport } from '../context.js';
import { humanSize, shortDate } from '../format.js';
import { formatOssUrl, parseOssUrl } from '../oss-url.js';

export const ls: Command = {
  spec: {
    name: 'ls',
    summary: 'list buckets, or the objects under a bucket/prefix (ListBuckets, ListObjectsV2)',
    usage: ['ls', 'ls oss://BUCKET[/PREFIX] [-r] [--bytes] [-s]'],
    options: [
      { name: 'recursive', short: 'r', type: 'boolean', description: "List every object under the prefix instead of one '/' level" },
      { name: 'bytes', type: 'boolean', description: 'Show exact sizes in bytes instead of KiB/MiB/GiB' },
      { name: 'summarize', short: 's', type: 'boolean', description: 'End with a line counting objects and bytes' },
      ...CONNECTION_OPTIONS,
      STS_OPTION,
    ],
    minPositionals: 0,
    maxPositionals: 1,
    details: [
      'Without -r, keys are grouped at the next "/" like folders (shown as DIR).',
      'Examples:',
      '  pail ls',
      '  pail ls oss://photos/2024/',
      '  pail ls -r oss://photos --summarize',
    ].join('\n'),
  },
  async run(ctx) {
    const target = ctx.args.positionals[0];
    const out = ctx.stdout;
    if (target === undefined) {
      const buckets = await withTransport(ctx, listBuckets);
      for (const b of buckets) {
        out.write(`${shortDate(Date.parse(b.creationDate))}  ${b.location.padEnd(18)} oss://${b.name}\n`);
      }
      return 0;
    }
    const { bucket, key: prefix } = parseOssUrl(target);
    const recursive = flag(ctx.args, 'recursive');
    const size = flag(ctx.args, 'bytes') ? (n: number) => String(n) : humanSize;
    let count = 0;
    let total = 0;
    await withTransport(ctx, async (t) => {
      let token: string | undefined;
      do {
        const page = await listObjectsV2(t, bucket, {
          prefix,
          ...(recursive ? {} : { delimiter: '/' }),
          ...(token ? { token } : {}),
        });
        // Interleave folders and objects in key order (UTF-8 byte order, like the listing).
        const rows: { key: string; obj?: ObjectSummary }[] = [
          ...page.prefixes.map((p) => ({ key: p })),
          ...page.objects.map((o) => ({ key: o.key, obj: o })),
        ].sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
        let text = '';
        for (const r of rows) {
          if (r.obj) {
            count++;
            total += r.obj.size;
            text += `${shortDate(r.obj.lastModified)}  ${size(r.obj.size).padStart(10)}  ${formatOssUrl(bucket, r.key)}\n`;
          } else {
            text += `${''.padStart(19)}  ${'DIR'.padStart(10)}  ${formatOssUrl(bucket, r.key)}\n`;
          }
        }
        out.write(text);
        token = page.nextToken;
      } while (token);
    });
    if (flag(ctx.args, 'summarize')) out.write(`Total: ${count} object${count === 1 ? '' : 's'}, ${size(total)}${size === humanSize ? ` (${total} bytes)` : ''}\n`);
    return 0;
  },
};
