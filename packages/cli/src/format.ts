/** Human-facing number formatting and parsing shared by the commands. */
import { UsageError } from './errors.js';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 1536 → `1.5 KiB`; below 1 KiB the exact byte count (`999 B`). */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${UNITS[u]}`;
}

/** Seconds → `1:05` or `2:03:04`. */
export function humanDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

const SIZE_RE = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)$/i;
const FACTORS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/**
 * `8M`, `8MiB`, `8MB`, `512k`, `1048576` → bytes. Binary multiples throughout: a part size
 * of "8 MB" that silently meant 8 000 000 would surprise nobody but still be a needless difference.
 */
export function parseSize(s: string, what: string): number {
  const m = SIZE_RE.exec(s.trim());
  if (!m) throw new UsageError(`${what}: '${s}' is not a size (examples: 8M, 512K, 1048576)`);
  const n = Math.floor(Number(m[1]) * FACTORS[m[2]!.toLowerCase()]!);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${what}: '${s}' is not a positive size`);
  return n;
}

/** Parses a positive integer option value. */
export function parsePositiveInt(s: string, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(s)) throw new UsageError(`${what}: '${s}' is not a whole number`);
  const n = Number(s);
  if (n < 1 || n > max) throw new UsageError(`${what}: ${s} is out of range (1..${max})`);
  return n;
}

/** `2024-05-01 12:34:56` in local time: what `ls` shows. */
export function shortDate(ms: number): string {
  if (!Number.isFinite(ms)) return '                   ';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Quotes a word for a POSIX shell if it needs it (used for the copy-paste curl lines). */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
