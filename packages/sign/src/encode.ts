/**
 * Pure string helpers shared by the signers and the verifier: strict RFC 3986 encoding, input
 * validation, date formats, hex/base64. Nothing beyond ES2022 (no Buffer, no btoa).
 */

/** Invalid input: every validation error of the signers is a TypeError or RangeError. */
export const bad = (message: string, range?: boolean): never => {
  throw new (range ? RangeError : TypeError)(message);
};

const OWS = /^[ \t]+|[ \t]+$/g;
const BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

// %XX for every ASCII byte; '' marks the unreserved ones, which stay as they are.
const ASCII = /* @__PURE__ */ Array.from({ length: 128 }, (_, c) =>
  /[\w.~-]/.test(String.fromCharCode(c)) ? '' : '%' + (c < 16 ? '0' : '') + c.toString(16).toUpperCase(),
);

/**
 * `UriEncode` of oss-signature.md §1.1: percent-encode the UTF-8 bytes, keep only
 * `A-Z a-z 0-9 - _ . ~` (and `/` when `keepSlash`), upper-case hex, space as `%20`.
 * (`encodeURIComponent` alone would leave `!'()*` raw.) One pass; non-ASCII runs go through
 * `encodeURIComponent`, which also rejects lone surrogates.
 * @throws TypeError on lone surrogates (they have no UTF-8 form).
 */
export function uriEncode(s: string, keepSlash: boolean): string {
  let out = '';
  let done = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      if (ASCII[c] && !(keepSlash && c === 47)) {
        out += s.slice(done, i) + ASCII[c];
        done = i + 1;
      }
      continue;
    }
    let j = i + 1;
    while (s.charCodeAt(j) > 127) j++;
    try {
      out += s.slice(done, i) + encodeURIComponent(s.slice(i, j));
    } catch {
      bad('lone surrogate in ' + s);
    }
    done = j;
    i = j - 1;
  }
  // Most names and values (x-oss-*, dates, numbers) need no encoding: no copy then.
  return done ? out + s.slice(done) : s;
}

/**
 * Encode an object key (path form) and check it: 1..1023 UTF-8 bytes, any characters, never
 * normalised (`a//b`, `../x` and `%41` are distinct keys — pitfalls 3, 4).
 */
export function encodeKey(key: string | undefined): string {
  if (key === undefined) return '';
  if (typeof key !== 'string') bad('invalid key');
  const e = uriEncode(key, true);
  // Every %XX stands for one byte, every other character is one ASCII byte.
  let bytes = e.length;
  for (let i = e.indexOf('%'); i >= 0; i = e.indexOf('%', i + 3)) bytes -= 2;
  if (bytes < 1 || bytes > 1023) bad(`invalid key: ${bytes} bytes, not 1..1023`, true);
  return e;
}

/** OSS bucket naming rules: 3-63 chars of `a-z 0-9 -`, not starting or ending with `-`. */
export function checkBucket(bucket: string): void {
  if (!BUCKET.test(bucket)) {
    bad(`invalid bucket: ${bucket}`);
  }
}

/** Resolve the injectable clock (`Date` or epoch ms) to epoch ms. */
export function clock(date: Date | number | undefined): number {
  const ms = date === undefined ? Date.now() : +date;
  return ms >= 0 && ms < 253402300800000 ? ms : bad('invalid date');
}

let isoDay = -1;
let isoDate = '';

/**
 * `YYYYMMDD'T'HHMMSS'Z'` (ISO 8601 basic, UTC) — the V4 `x-oss-date` format (§2.4). The date
 * part is formatted once a day; the time part is arithmetic (this runs on every signature).
 */
export function isoBasic(ms: number): string {
  const day = (ms / 864e5) | 0;
  if (day !== isoDay) {
    isoDay = day;
    isoDate = new Date(day * 864e5).toISOString().slice(0, 10).replaceAll('-', '');
  }
  const s = Math.floor(ms / 1000) % 86400;
  return isoDate + 'T' + String(1e6 + ((s / 3600) | 0) * 1e4 + (((s / 60) | 0) % 60) * 100 + (s % 60)).slice(1) + 'Z';
}

/** A whole number of seconds in 1..max (V4: 604800, §2.5, EC 0002-00000232). */
export function checkExpires(expires: number, max: number): number {
  return Number.isInteger(expires) && expires >= 1 && expires <= max
    ? expires
    : bad(`invalid expires: ${expires}, not whole seconds in 1..${max}`, true);
}

/** Trim HTTP optional whitespace (SP, HTAB) only — what an HTTP parser strips on the wire (§2.1.4). */
export const trimOws = (s: string): string => s.replace(OWS, '');

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += (b < 16 ? '0' : '') + b.toString(16);
  return s;
}

const AZ = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const B64 = AZ + AZ.toLowerCase() + '0123456789+/';

/** Standard base64 with padding (no `btoa`/`Buffer`: edge runtimes and the bundle test lack them). */
export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    for (let j = 0; j < 4; j++) s += j * 6 < (bytes.length - i) * 8 ? B64[(n >> (18 - j * 6)) & 63] : '=';
  }
  return s;
}

/** Compare by UTF-8 bytes (CONTRIBUTING: never localeCompare): UTF-8 preserves code point order. */
export function byUtf8(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < x.length && i < y.length; i++) {
    if (x[i] !== y[i]) return x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
  }
  return x.length - y.length;
}
