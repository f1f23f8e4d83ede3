/**
 * The first stage of the pipeline (core.ts): raw request → `ParsedRequest` (address, decoded
 * query, typed operation with its access pairs). Pure: no storage, no clock, no auth.
 */
import type { QueryParam } from '@pail/sign/verify';
import { OssError } from '../errors/oss-error.js';
import { type AddressLevel, resolveAddress } from './address.js';
import { header, type RequestHeaders } from './headers.js';
import { checkBucketName, checkObjectKey } from './names.js';
import { type Operation, Query, routeOperation } from './operations.js';
import { parseQuery, splitTarget } from './target.js';

export interface ParsedRequest {
  readonly method: string;
  readonly op: Operation;
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
}

export interface ParseOptions {
  /** Base domains for virtual-hosted style, lower-case, longest first. */
  readonly domains: readonly string[];
}

function reserved(method: string, path: string, query: readonly QueryParam[]): ParsedRequest {
  let op: Operation;
  if (method !== 'GET' && method !== 'HEAD') throw new OssError('MethodNotAllowed', { details: [['Method', method]] });
  if (path === '/health') op = { name: 'PailHealth', access: [] };
  else if (path === '/ready') op = { name: 'PailReady', access: [] };
  else throw new OssError('NotFound');
  return { method, op, level: 'reserved', style: 'path', bucket: null, key: '', query };
}

export function parseRequest(input: ParseInput, options: ParseOptions): ParsedRequest {
  const method = input.method.toUpperCase();
  const { rawPath, rawQuery } = splitTarget(input.rawTarget);
  const query = parseQuery(rawQuery);
  const address = resolveAddress(header(input.headers, 'host'), rawPath, options.domains);
  if (address.kind === 'reserved') return reserved(method, address.path, query);
  if (address.bucket !== null) checkBucketName(address.bucket);
  if (address.level === 'object') checkObjectKey(address.key);
  const op = routeOperation(address.level, {
    method,
    bucket: address.bucket,
    key: address.key,
    query: new Query(query),
    headers: input.headers,
  });
  return { method, op, level: address.level, style: address.style, bucket: address.bucket, key: address.key, query };
}
