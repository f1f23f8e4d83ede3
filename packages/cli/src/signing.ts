/**
 * The CLI's only contact with `@pail/sign`: header signing for API calls (V4, §2.4) and the
 * request target it computes, so the URL we send and the resource we sign come from one place.
 */
import type { QueryInput } from '@pail/sign';
import { signRequestSync } from '@pail/sign';
import type { Connection, Credentials } from './config.js';
import { formatEndpoint } from './config.js';

/** A query as an ordered list; `null` value = bare name (`?uploads`, `?acl`). */
export type Query = ReadonlyArray<readonly [string, string | null]>;

export interface SignInput {
  readonly method: string;
  readonly bucket: string | null;
  /** '' for bucket- and service-level requests. */
  readonly key: string;
  readonly query: Query;
  readonly headers: Readonly<Record<string, string>>;
}

export interface SignedTarget {
  /** `Host` header value. */
  readonly host: string;
  readonly hostname: string;
  readonly port: number | undefined;
  /** Encoded path and query: the HTTP request-target. */
  readonly path: string;
  /** Every header to send: the caller's plus x-oss-date, x-oss-content-sha256, token, authorization. */
  readonly headers: Readonly<Record<string, string>>;
}

export function endpointOptions(conn: Connection): { endpoint: string; pathStyle: boolean; cname: boolean; region: string } {
  return {
    endpoint: formatEndpoint(conn.endpoint),
    pathStyle: conn.addressing === 'path',
    cname: conn.addressing === 'cname',
    region: conn.region,
  };
}

export function toQueryInput(q: Query): QueryInput {
  const out: Record<string, string | null> = {};
  for (const [k, v] of q) out[k] = v;
  return out;
}

/** Signs one request with an Authorization header (V4) and returns where and what to send. */
export function signForSend(conn: Connection, creds: Credentials, req: SignInput): SignedTarget {
  const signed = signRequestSync(
    {
      method: req.method,
      ...(req.bucket === null ? {} : { bucket: req.bucket }),
      ...(req.key === '' ? {} : { key: req.key }),
      query: toQueryInput(req.query),
      headers: req.headers,
    },
    creds,
    endpointOptions(conn),
  );
  const t = signed.target;
  if (!t) throw new Error('@pail/sign returned no request target');
  return { host: t.host, hostname: t.hostname, port: t.port, path: t.path, headers: signed.headers };
}
