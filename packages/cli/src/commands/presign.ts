import type { PresignOptions } from '@pail/sign';
import { presignUrlSync, presignUrlV1Sync } from '@pail/sign';
import { flag, list, str } from '../args.js';
import type { Command } from '../command.js';
import { CONNECTION_OPTIONS, STS_OPTION, readCredentials, resolveConnection } from '../config.js';
import { UsageError } from '../errors.js';
import { shellQuote } from '../format.js';
import { parseObjectUrl, parseOssUrl } from '../oss-url.js';
import { endpointOptions } from '../signing.js';

/** One hour: long enough to paste a link somewhere, short enough not to linger. */
export const DEFAULT_EXPIRES = 3600;
/** V4 presigned URLs live at most 7 days (oss-signature.md §2.5, EC 0002-00000232). */
export const MAX_EXPIRES_V4 = 604800;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export const presign: Command = {
  spec: {
    name: 'presign',
    summary: 'print a presigned URL for an object (V4 by default, V1 with --v1)',
    usage: ['presign oss://BUCKET/KEY [--expires SECONDS] [--method METHOD] [options]'],
    options: [
      { name: 'expires', value: 'SECONDS', type: 'string', description: `Validity in seconds, 1..${MAX_EXPIRES_V4} for V4 (default ${DEFAULT_EXPIRES})` },
      { name: 'method', short: 'X', value: 'METHOD', type: 'string', description: 'HTTP method the URL is for: GET, PUT, HEAD, DELETE, POST (default GET)' },
      { name: 'version-id', value: 'ID', type: 'string', description: 'Sign for this object version (versionId)' },
      { name: 'process', value: 'SPEC', type: 'string', description: 'x-oss-process, e.g. image/resize,w_200' },
      {
        name: 'response-content-disposition',
        value: 'VALUE',
        type: 'string',
        description: "Override Content-Disposition of the response, e.g. 'attachment; filename=a.txt'",
      },
      { name: 'response-content-type', value: 'TYPE', type: 'string', description: 'Override Content-Type of the response' },
      {
        name: 'header',
        short: 'H',
        value: "'NAME: VALUE'",
        type: 'string',
        multiple: true,
        description: 'A header the request will send; Content-Type, Content-MD5 and x-oss-* are signed',
      },
      {
        name: 'additional-header',
        value: 'NAME',
        type: 'string',
        multiple: true,
        description: 'Also sign this header (V4 x-oss-additional-headers); host needs no --header',
      },
      { name: 'date', value: 'ISO8601', type: 'string', description: 'Signing time instead of now, for reproducible output (2024-05-01T12:00:00Z)' },
      { name: 'v1', type: 'boolean', description: 'Legacy V1 URL (OSSAccessKeyId/Expires/Signature); no 7-day limit' },
      ...CONNECTION_OPTIONS,
      STS_OPTION,
    ],
    minPositionals: 1,
    maxPositionals: 1,
    details: [
      'Credentials come from OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET (and OSS_SESSION_TOKEN for',
      'STS), as in the OSS documentation. Without --endpoint or $OSS_ENDPOINT the URL points at the',
      'public OSS endpoint of the region (default cn-hangzhou).',
      '',
      'The URL alone is printed on stdout. When the request must carry signed headers (or uses a',
      'method other than GET), a ready curl command is printed on stderr.',
      '',
      'Examples:',
      '  export OSS_ACCESS_KEY_ID=... OSS_ACCESS_KEY_SECRET=...',
      '  pail presign oss://examplebucket/exampleobject.txt --expires 3600',
      '  curl -o out.txt "$(pail presign oss://b/k --endpoint http://127.0.0.1:9000)"',
      "  pail presign oss://b/upload.txt -X PUT -H 'Content-Type: text/plain' --endpoint http://127.0.0.1:9000",
    ].join('\n'),
  },
  async run(ctx) {
    const a = ctx.args;
    const target = ctx.args.positionals[0]!;
    const method = (str(a, 'method') ?? 'GET').toUpperCase();
    if (!/^[A-Z]+$/.test(method)) throw new UsageError(`pail presign: invalid --method '${str(a, 'method')}'`);
    // A bucket-level URL (ListObjects) is fine for GET; objects are the common case.
    const loc = target.endsWith('/') && parseOssUrl(target).key === '' ? parseOssUrl(target) : parseObjectUrl(target);
    const v1 = flag(a, 'v1');
    const expires = parseExpires(str(a, 'expires'), v1);
    const date = parseDate(str(a, 'date'));
    const headers = parseHeaders(list(a, 'header'));
    const additional = list(a, 'additional-header').map((n) => n.trim().toLowerCase());
    if (v1 && additional.length > 0) throw new UsageError('pail presign: --additional-header exists only for V4 URLs (drop --v1)');
    for (const n of additional) {
      if (!HEADER_NAME.test(n)) throw new UsageError(`pail presign: invalid --additional-header '${n}'`);
      if (n !== 'host' && !Object.keys(headers).some((h) => h.toLowerCase() === n)) {
        throw new UsageError(`pail presign: --additional-header ${n} needs its value: add --header '${n}: VALUE'`);
      }
    }
    const creds = readCredentials(ctx.env, str(a, 'sts-token'));
    const conn = resolveConnection(a, ctx.env, { defaultRegion: true });
    const response: Record<string, string> = {};
    const disposition = str(a, 'response-content-disposition');
    const responseType = str(a, 'response-content-type');
    if (disposition !== undefined) response['contentDisposition'] = disposition;
    if (responseType !== undefined) response['contentType'] = responseType;
    const options: PresignOptions = {
      ...endpointOptions(conn),
      method,
      bucket: loc.bucket,
      ...(loc.key === '' ? {} : { key: loc.key }),
      expires,
      credentials: creds,
      headers,
      ...(additional.length ? { additionalHeaders: additional } : {}),
      ...(str(a, 'version-id') !== undefined ? { versionId: str(a, 'version-id')! } : {}),
      ...(str(a, 'process') !== undefined ? { process: str(a, 'process')! } : {}),
      ...(Object.keys(response).length ? { response } : {}),
      ...(date !== undefined ? { date } : {}),
    };
    let result: ReturnType<typeof presignUrlSync>;
    try {
      result = v1 ? presignUrlV1Sync(options) : presignUrlSync(options);
    } catch (e) {
      // The signer validates its input (TypeError/RangeError): that is a usage problem here.
      if (e instanceof TypeError || e instanceof RangeError) throw new UsageError(`pail presign: ${e.message}`);
      throw e;
    }
    ctx.stdout.write(`${result.url}\n`);
    const sendHeaders = Object.entries(result.headers).filter(([n]) => n.toLowerCase() !== 'host');
    if (sendHeaders.length > 0 || method !== 'GET') {
      ctx.stderr.write(`${curlCommand(method, result.url, sendHeaders, loc.key)}\n`);
    }
    return 0;
  },
};

function parseExpires(s: string | undefined, v1: boolean): number {
  if (s === undefined) return DEFAULT_EXPIRES;
  if (!/^\d+$/.test(s)) throw new UsageError(`pail presign: --expires must be a whole number of seconds, got '${s}'`);
  const n = Number(s);
  if (n < 1) throw new UsageError('pail presign: --expires must be at least 1 second');
  if (!v1 && n > MAX_EXPIRES_V4) {
    throw new UsageError(`pail presign: --expires ${n} is more than 7 days (${MAX_EXPIRES_V4} s), the V4 maximum`);
  }
  return n;
}

/** ISO 8601, extended (`2024-05-01T12:00:00Z`) or basic like x-oss-date (`20240501T120000Z`). */
export function parseDate(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const basic = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  const text = basic ? `${basic[1]}-${basic[2]}-${basic[3]}T${basic[4]}:${basic[5]}:${basic[6]}Z` : s;
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms)) throw new UsageError(`pail presign: --date '${s}' is not an ISO 8601 time (e.g. 2024-05-01T12:00:00Z)`);
  return ms;
}

/** `'Content-Type: text/plain'` → { 'Content-Type': 'text/plain' }. */
export function parseHeaders(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const colon = item.indexOf(':');
    const name = colon === -1 ? '' : item.slice(0, colon).trim();
    if (!HEADER_NAME.test(name)) throw new UsageError(`pail presign: --header '${item}' is not NAME:VALUE`);
    if (Object.keys(out).some((n) => n.toLowerCase() === name.toLowerCase())) {
      throw new UsageError(`pail presign: --header ${name} given twice`);
    }
    out[name] = item.slice(colon + 1).trim();
  }
  return out;
}

function curlCommand(method: string, url: string, headers: [string, string][], key: string): string {
  const parts = ['curl'];
  if (method === 'HEAD') parts.push('-I');
  else if (method === 'PUT') parts.push('-T', shellQuote(key.slice(key.lastIndexOf('/') + 1) || 'FILE'));
  else if (method !== 'GET') parts.push('-X', method);
  for (const [n, v] of headers) parts.push('-H', shellQuote(`${n}: ${v}`));
  parts.push(shellQuote(url));
  return parts.join(' ');
}
