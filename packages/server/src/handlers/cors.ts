/**
 * Bucket CORS: PutBucketCors / GetBucketCors / DeleteBucketCors, the OPTIONS preflight
 * (OptionObject), and the CORS headers of actual responses (docs/compatibility.md, "CORS").
 *
 * The preflight and the response headers are used by the core, not dispatched: a preflight
 * carries no credentials, so it is answered from the bucket's rules before authentication, and
 * the headers go on every response of the bucket, errors included (Pail's choice: a page must be
 * able to read the 403 of an expired presigned URL).
 */
import { OssError } from '../errors/oss-error.js';
import {
  type CorsConfiguration,
  corsConfigurationXml,
  corsResponseHeaders,
  type DeleteBucketCors,
  type GetBucketCors,
  MAX_CORS_BODY,
  matchCorsRule,
  type OptionObject,
  parseCorsConfiguration,
  type PutBucketCors,
  requestHeaderNames,
} from '../protocol/cors.js';
import { header, type RequestHeaders } from '../protocol/headers.js';
import type { BucketRecord, MetadataStore } from '../storage/types.js';
import { readSmallBody, requireBucket } from './common.js';
import type { Handler, HandlerResult } from './context.js';

/** OSS's message when a preflight reaches a bucket without CORS rules. */
const NOT_ENABLED = 'CORSResponse: CORS is not enabled for this bucket.';

export const putBucketCors: Handler<PutBucketCors> = async (ctx) => {
  requireBucket(ctx);
  const body = await readSmallBody(ctx, MAX_CORS_BODY);
  const config = parseCorsConfiguration(body.toString('utf8'));
  await ctx.storage.metadata.setBucketCors(ctx.op.bucket, config);
  return { status: 200 };
};

export const getBucketCors: Handler<GetBucketCors> = async (ctx) => {
  const bucket = requireBucket(ctx);
  if (!bucket.cors) throw new OssError('NoSuchCORSConfiguration', { details: [['BucketName', bucket.name]] });
  return { status: 200, headers: { 'Content-Type': 'application/xml' }, body: corsConfigurationXml(bucket.cors) };
};

export const deleteBucketCors: Handler<DeleteBucketCors> = async (ctx) => {
  requireBucket(ctx);
  await ctx.storage.metadata.setBucketCors(ctx.op.bucket, null);
  return { status: 204 };
};

/** Dispatched only if the core did not answer the preflight first; same answer. */
export const optionObject: Handler<OptionObject> = (ctx) => preflight(ctx.storage.metadata, ctx.op, ctx.req.headers);

/**
 * OptionObject: 200 with the matched rule's headers, else 403 AccessForbidden; 404 for a bucket
 * that does not exist. A preflight without `Origin` or `Access-Control-Request-Method` matches
 * nothing.
 */
export async function preflight(metadata: MetadataStore, op: OptionObject, headers: RequestHeaders): Promise<HandlerResult> {
  const bucket = await metadata.getBucket(op.bucket);
  if (!bucket) throw new OssError('NoSuchBucket', { details: [['BucketName', op.bucket]] });
  if (!bucket.cors) throw new OssError('AccessForbidden', { message: NOT_ENABLED });
  const origin = header(headers, 'origin');
  const method = header(headers, 'access-control-request-method');
  const requested = requestHeaderNames(header(headers, 'access-control-request-headers'));
  const rule = origin && method ? matchCorsRule(bucket.cors, origin, method.trim().toUpperCase(), requested) : undefined;
  if (!rule || !origin) throw new OssError('AccessForbidden');
  const h = corsResponseHeaders(rule, origin, { requestHeaders: requested });
  return { status: 200, headers: withVary(h, bucket.cors, h['Access-Control-Allow-Origin'] !== '*') };
}

/**
 * The CORS headers of an actual response of `bucket` (success or error): those of the first rule
 * matching the request's origin and method, and `Vary: Origin` when `ResponseVary` is on (OSS)
 * or the allowed origin is echoed (Pail's choice, so a shared cache keeps origins apart).
 */
export function corsHeadersFor(bucket: BucketRecord | undefined, method: string, headers: RequestHeaders): Record<string, string> {
  const config = bucket?.cors;
  if (!config) return {};
  const origin = header(headers, 'origin');
  const rule = origin ? matchCorsRule(config, origin, method.toUpperCase()) : undefined;
  if (!rule || !origin) return withVary({}, config, false);
  const h = corsResponseHeaders(rule, origin);
  return withVary(h, config, h['Access-Control-Allow-Origin'] !== '*');
}

function withVary(h: Record<string, string>, config: CorsConfiguration, echoed: boolean): Record<string, string> {
  if (config.responseVary || echoed) h['Vary'] = 'Origin';
  return h;
}
