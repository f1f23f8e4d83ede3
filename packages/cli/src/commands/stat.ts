import { flag } from '../args.js';
import { headObject } from '../client.js';
import type { Command } from '../command.js';
import { CONNECTION_OPTIONS, STS_OPTION } from '../config.js';
import { withTransport } from '../context.js';
import { humanSize } from '../format.js';
import { formatOssUrl, parseObjectUrl } from '../oss-url.js';

/** Response headers shown by name, in this order; `x-oss-meta-*` follow. */
const SHOWN: [string, string][] = [
  ['content-type', 'Content-Type'],
  ['etag', 'ETag'],
  ['last-modified', 'Last-Modified'],
  ['x-oss-object-type', 'Object-Type'],
  ['x-oss-storage-class', 'Storage-Class'],
  ['x-oss-hash-crc64ecma', 'CRC64'],
  ['content-md5', 'Content-MD5'],
  ['x-oss-version-id', 'Version-Id'],
  ['cache-control', 'Cache-Control'],
  ['content-disposition', 'Content-Disposition'],
  ['content-encoding', 'Content-Encoding'],
  ['content-language', 'Content-Language'],
  ['expires', 'Expires'],
  ['x-oss-request-id', 'Request-Id'],
];

export const stat: Command = {
  spec: {
    name: 'stat',
    summary: "show an object's size, ETag, type and metadata (HeadObject)",
    usage: ['stat oss://BUCKET/KEY [--json]'],
    options: [{ name: 'json', type: 'boolean', description: 'Print all response headers as a JSON object' }, ...CONNECTION_OPTIONS, STS_OPTION],
    minPositionals: 1,
    maxPositionals: 1,
  },
  async run(ctx) {
    const { bucket, key } = parseObjectUrl(ctx.args.positionals[0]!);
    const res = await withTransport(ctx, (t) => headObject(t, bucket, key));
    const h = res.headers;
    if (flag(ctx.args, 'json')) {
      ctx.stdout.write(`${JSON.stringify(h, null, 2)}\n`);
      return 0;
    }
    const size = Number(h['content-length'] ?? 0);
    const rows: [string, string][] = [['Size', `${humanSize(size)} (${size} bytes)`]];
    for (const [name, label] of SHOWN) {
      const v = h[name];
      if (v !== undefined) rows.push([label, String(v)]);
    }
    for (const name of Object.keys(h).sort()) {
      if (name.startsWith('x-oss-meta-')) rows.push([name, String(h[name])]);
    }
    const width = Math.max(...rows.map(([l]) => l.length)) + 2;
    ctx.stdout.write(`${formatOssUrl(bucket, key)}\n${rows.map(([l, v]) => `  ${l.padEnd(width)}${v}`).join('\n')}\n`);
    return 0;
  },
};
