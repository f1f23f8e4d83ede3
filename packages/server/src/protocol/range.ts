/**
 * GetObject `Range` as OSS does it (oss-api-notes §5.5; OSS "HTTP Range requests"):
 * one range `bytes=a-b`, `a-` or `-n`. A range that is syntactically invalid or outside the
 * object is ignored (200, whole object) unless `x-oss-range-behavior: standard`, which gives
 * RFC 7233 behaviour: the end clipped to the object (206) or 416 InvalidRange when nothing
 * of the range exists. Several ranges: the whole object (multi-range needs
 * `x-oss-multi-range-behavior`, not implemented).
 */

export type RangeResult =
  | { readonly kind: 'whole' }
  | { readonly kind: 'partial'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' };

const WHOLE: RangeResult = { kind: 'whole' };
const UNSATISFIABLE: RangeResult = { kind: 'unsatisfiable' };
const SINGLE = /^bytes=(\d*)-(\d*)$/;

function num(digits: string): number {
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : Number.POSITIVE_INFINITY;
}

export function resolveRange(header: string | undefined, size: number, standard: boolean): RangeResult {
  if (header === undefined) return WHOLE;
  const m = SINGLE.exec(header.trim());
  if (!m) return WHOLE; // not a single byte range (or not bytes at all): ignored in both modes
  const [, a = '', b = ''] = m;
  const outside = standard ? UNSATISFIABLE : WHOLE;
  if (a === '') {
    if (b === '') return WHOLE;
    const n = num(b);
    if (n === 0 || size === 0) return outside;
    if (n > size) return standard ? { kind: 'partial', start: 0, end: size - 1 } : WHOLE;
    return { kind: 'partial', start: size - n, end: size - 1 };
  }
  const start = num(a);
  if (b === '') {
    return start >= size ? outside : { kind: 'partial', start, end: size - 1 };
  }
  const end = num(b);
  if (end < start) return WHOLE; // RFC 7233 §2.1: an invalid byte-range-spec; the header is ignored
  if (start >= size) return outside;
  if (end >= size) return standard ? { kind: 'partial', start, end: size - 1 } : WHOLE;
  return { kind: 'partial', start, end };
}
