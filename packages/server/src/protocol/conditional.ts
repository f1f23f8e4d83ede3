/**
 * GetObject/HeadObject preconditions, evaluated in the order of RFC 7232 §6: If-Match, then
 * If-Unmodified-Since (only without If-Match) → 412; If-None-Match, then If-Modified-Since
 * (only without If-None-Match) → 304. Dates compare at one-second resolution (Last-Modified
 * has no more); an unparseable date is ignored, as the RFC requires.
 */
import { header, type RequestHeaders } from './headers.js';

export type ConditionResult =
  | { readonly kind: 'proceed' }
  | { readonly kind: 'not-modified' }
  | { readonly kind: 'failed'; readonly condition: 'If-Match' | 'If-Unmodified-Since' };

const PROCEED: ConditionResult = { kind: 'proceed' };

function etagList(value: string): string[] {
  return value
    .split(',')
    .map((t) => {
      let s = t.trim();
      if (s.startsWith('W/')) s = s.slice(2);
      if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) s = s.slice(1, -1);
      return s.toUpperCase();
    })
    .filter((s) => s !== '');
}

function matches(value: string, etag: string): boolean {
  if (value.trim() === '*') return true;
  return etagList(value).includes(etag.toUpperCase());
}

function seconds(httpDate: string): number | undefined {
  const t = Date.parse(httpDate);
  return Number.isNaN(t) ? undefined : Math.floor(t / 1000);
}

/** `etag` without quotes; `lastModified` and `now` in ms. */
export function evaluatePreconditions(headers: RequestHeaders, etag: string, lastModified: number, now: number): ConditionResult {
  const lm = Math.floor(lastModified / 1000);
  const ifMatch = header(headers, 'if-match');
  if (ifMatch !== undefined) {
    if (!matches(ifMatch, etag)) return { kind: 'failed', condition: 'If-Match' };
  } else {
    const ius = header(headers, 'if-unmodified-since');
    const t = ius === undefined ? undefined : seconds(ius);
    if (t !== undefined && lm > t) return { kind: 'failed', condition: 'If-Unmodified-Since' };
  }
  const ifNoneMatch = header(headers, 'if-none-match');
  if (ifNoneMatch !== undefined) {
    if (matches(ifNoneMatch, etag)) return { kind: 'not-modified' };
  } else {
    const ims = header(headers, 'if-modified-since');
    const t = ims === undefined ? undefined : seconds(ims);
    // A date in the future is invalid (RFC 7232 §3.3) and ignored.
    if (t !== undefined && t <= Math.floor(now / 1000) && lm <= t) return { kind: 'not-modified' };
  }
  return PROCEED;
}
