/**
 * The one error renderer (oss-signature.md §4.1): `<Error>` with Code, Message, RequestId,
 * HostId, the case-specific elements, EC and RecommendDoc; `Content-Type: application/xml`
 * and `x-oss-ec`. HEAD responses carry no body, so the same XML travels base64-encoded in
 * `x-oss-err` (decoded by ali-oss `requestError` and Go v2 `tryConvertServiceError`).
 */
import { escapeXml } from '../protocol/xml.js';
import type { OssError } from './oss-error.js';

export interface ErrorRenderContext {
  readonly requestId: string;
  /** The host the request addressed, as received (oss-signature.md §4.1: "bucket host"). */
  readonly hostId: string;
  readonly method: string;
}

export interface RenderedError {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer | null;
}

export function errorXml(err: OssError, ctx: ErrorRenderContext): string {
  let xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n' +
    `  <Code>${err.code}</Code>\n` +
    `  <Message>${escapeXml(err.message)}</Message>\n` +
    `  <RequestId>${ctx.requestId}</RequestId>\n` +
    `  <HostId>${escapeXml(ctx.hostId)}</HostId>\n`;
  for (const [name, value] of err.details) xml += `  <${name}>${escapeXml(value)}</${name}>\n`;
  xml += `  <EC>${err.ec}</EC>\n`;
  xml += `  <RecommendDoc>https://api.aliyun.com/troubleshoot?q=${err.ec}</RecommendDoc>\n`;
  xml += '</Error>\n';
  return xml;
}

export function renderError(err: OssError, ctx: ErrorRenderContext): RenderedError {
  const xml = Buffer.from(errorXml(err, ctx), 'utf8');
  const headers: Record<string, string> = {
    'Content-Type': 'application/xml',
    'x-oss-ec': err.ec,
    ...err.headers,
  };
  if (ctx.method === 'HEAD') {
    headers['x-oss-err'] = xml.toString('base64');
    headers['Content-Length'] = '0';
    return { status: err.status, headers, body: null };
  }
  return { status: err.status, headers, body: xml };
}
