import { CATALOGUE, type ErrorCode } from './catalogue.js';

/** One extra element of the error XML, after HostId and before EC (oss-signature.md §4.1). */
export type ErrorDetail = readonly [name: string, value: string];

export interface OssErrorOptions {
  /** Overrides the catalogue message (a more specific OSS wording). */
  readonly message?: string;
  /** Overrides the catalogue EC (a more specific cause). */
  readonly ec?: string;
  /** Case-specific elements, in order (`Key`, `BucketName`, `StringToSign`, …). */
  readonly details?: readonly ErrorDetail[];
  /** Extra response headers (e.g. `Content-Range: bytes *\/size` on InvalidRange). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The underlying error, for the log only; never rendered. */
  readonly cause?: unknown;
}

/**
 * An error that is already an OSS error: code, status (from the catalogue), message, EC and
 * the case-specific elements. Everything else is mapped by `errors/map.ts`.
 */
export class OssError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly ec: string;
  readonly details: readonly ErrorDetail[];
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, options: OssErrorOptions = {}) {
    const entry = CATALOGUE[code];
    super(options.message ?? entry.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OssError';
    this.code = code;
    this.status = entry.status;
    this.ec = options.ec ?? entry.ec;
    this.details = options.details ?? [];
    this.headers = options.headers ?? {};
  }
}

/** The usual InvalidArgument shape: the offending argument's name and value. */
export function invalidArgument(message: string, name: string, value: string, ec?: string): OssError {
  return new OssError('InvalidArgument', {
    message,
    ...(ec === undefined ? {} : { ec }),
    details: [
      ['ArgumentName', name],
      ['ArgumentValue', value],
    ],
  });
}
