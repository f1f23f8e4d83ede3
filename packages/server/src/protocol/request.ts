/**
 * The first stage of the pipeline (core.ts): raw request → `ParsedRequest` (address, decoded
 * query, the routed operation with its access pairs). Only the address can fail here (URI,
 * bucket name, key, no route); the operation's arguments are parsed by `route.args()`, after
 * authorization. Pure: no storage, no clock, no auth.
 */
import type { QueryParam } from '@pail/sign/verify';
import { OssError } from '../errors/oss-error.js';
import { type AddressLevel, resolveAddress } from './address.js';
import { header, type RequestHeaders } from './headers.js';
import { checkBucketName, checkObjectKey } from './names.js';
import { Query, type RoutedOperation, routeOperation } from './operations.js';
import { parseQuery, splitTarget } from './target.js';

export interface ParsedRequest {
  readonly method: string;
  /** Name and access pairs; `route.args()` parses the arguments into the typed operation. */
  readonly route: RoutedOperation;
  readonly level: AddressLevel | 'reserved';
  readonly style: 'path' | 'virtual';
  /** Decoded bucket, or null at service level. */
  readonly bucket: string | null;
  /** Decoded key; '' below object level. Never normalised. */
  readonly key: string;
  /** Decoded query parameters in wire order. */
  readonly query: readonly QueryParam[];
}

export interface ParseInput {
  readonly method: string;
  readonly rawTarget: string;
  readonly headers: RequestHeaders;
  /** The Host header, when the caller has read it already (core.ts); else read from `headers`. */
  readonly host?: string | undefined;
}

export interface ParseOptions {
  /** Base domains for virtual-hosted style, lower-case, longest first. */
  readonly domains: readonly string[];
}

const HEALTH: RoutedOperation = { name: 'PailHealth', operation: 'PailHealth', access: [], args: () => ({ name: 'PailHealth', access: [] }) };
const READY: RoutedOperation = { name: 'PailReady', operation: 'PailReady', access: [], args: () => ({ name: 'PailReady', access: [] }) };

function reserved(method: string, path: string, query: readonly QueryParam[]): ParsedRequest {
  if (method !== 'GET' && method !== 'HEAD') throw new OssError('MethodNotAllowed', { details: [['Method', method]] });
  let route: RoutedOperation;
  if (path === '/health') route = HEALTH;
  else if (path === '/ready') route = READY;
  else throw new OssError('NotFound');
  return { method, route, level: 'reserved', style: 'path', bucket: null, key: '', query };
}

export function parseRequest(input: ParseInput, options: ParseOptions): ParsedRequest {
  const method = input.method.toUpperCase();
  const { rawPath, rawQuery } = splitTarget(input.rawTarget);
  const query = parseQuery(rawQuery);
  const address = resolveAddress(input.host ?? header(input.headers, 'host'), rawPath, options.domains);
  if (address.kind === 'reserved') return reserved(method, address.path, query);
  if (address.bucket !== null) checkBucketName(address.bucket);
  if (address.level === 'object') checkObjectKey(address.key);
  const route = routeOperation(address.level, {
    method,
    bucket: address.bucket,
    key: address.key,
    query: new Query(query),
    headers: input.headers,
  });
  return { method, route, level: address.level, style: address.style, bucket: address.bucket, key: address.key, query };
}
