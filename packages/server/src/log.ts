/**
 * Structured logs: one JSON object per line (machine-readable, the default when stdout is not
 * a terminal), or a short human-readable line on a TTY. Secrets never reach the output
 * (CONTRIBUTING.md): values of `Authorization`, `Signature`, `x-oss-signature` and any
 * `*security-token` are replaced by `REDACTED`, both as field names and inside request
 * targets / URLs logged as strings.
 */
import { percentDecode } from './protocol/target.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];
const RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  readonly level: LogLevel;
  enabled(level: Exclude<LogLevel, 'silent'>): boolean;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export interface LogSink {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
}

export interface LoggerOptions {
  readonly level?: LogLevel;
  /** Default: process.stdout. */
  readonly stream?: LogSink;
  /** 'auto' (default): pretty on a TTY, JSON otherwise. */
  readonly format?: 'json' | 'pretty' | 'auto';
  /** Wall-clock time for the `time` field (real time, not the injectable request clock). */
  readonly now?: () => number;
}

export const REDACTED = 'REDACTED';

/** Names whose values are secrets (compared lower-case). */
export function isSecretName(name: string): boolean {
  const n = name.toLowerCase();
  return n === 'authorization' || n === 'signature' || n === 'x-oss-signature' || n.endsWith('security-token');
}

/** A request target or URL with the values of secret query parameters replaced. */
export function redactTarget(target: string): string {
  const q = target.indexOf('?');
  if (q < 0) return target;
  const parts = target.slice(q + 1).split('&');
  let changed = false;
  for (let i = 0; i < parts.length; i++) {
    const item = parts[i]!;
    const eq = item.indexOf('=');
    const rawName = eq < 0 ? item : item.slice(0, eq);
    const name = percentDecode(rawName, true) ?? rawName;
    if (eq >= 0 && isSecretName(name)) {
      parts[i] = `${rawName}=${REDACTED}`;
      changed = true;
    }
  }
  return changed ? `${target.slice(0, q + 1)}${parts.join('&')}` : target;
}

/** Authorization header values that leaked into free text (V4 and V1 forms). */
const V4_AUTH = /\bOSS4-HMAC-SHA256 [^"\n]*/g;
const V1_AUTH = /\bOSS [\w.-]+:[A-Za-z0-9+/=]{20,}/g;

function redactString(s: string): string {
  let out = s.includes('?') ? redactTarget(s) : s;
  if (out.includes('OSS')) out = out.replace(V4_AUTH, `OSS4-HMAC-SHA256 ${REDACTED}`).replace(V1_AUTH, `OSS ${REDACTED}`);
  return out;
}

/** Deep copy of `value` with secrets removed (field names and embedded targets). */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (value instanceof Error) return { name: value.name, message: redactString(value.message), stack: value.stack && redactString(value.stack) };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isSecretName(k) && v !== undefined ? REDACTED : redact(v, depth + 1);
  return out;
}

function pretty(time: number, level: string, msg: string, fields: Record<string, unknown>): string {
  const t = new Date(time).toISOString().slice(11, 23);
  let line = `${t} ${level.toUpperCase().padEnd(5)} ${msg}`;
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    const s = typeof v === 'string' ? (/[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v) : JSON.stringify(v);
    line += ` ${k}=${s}`;
  }
  return `${line}\n`;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const stream = options.stream ?? process.stdout;
  const json = options.format === 'json' || (options.format !== 'pretty' && !stream.isTTY);
  const now = options.now ?? Date.now;
  const threshold = RANK[level];
  const emit = (lvl: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields) => {
    if (RANK[lvl] < threshold) return;
    const safe = (fields ? redact(fields) : {}) as Record<string, unknown>;
    const time = now();
    try {
      stream.write(json ? `${JSON.stringify({ time: new Date(time).toISOString(), level: lvl, msg: redactString(msg), ...safe })}\n` : pretty(time, lvl, redactString(msg), safe));
    } catch {
      // A broken log stream must never take a request down with it.
    }
  };
  return {
    level,
    enabled: (l) => RANK[l] >= threshold,
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

export const silentLogger: Logger = createLogger({ level: 'silent', stream: { write: () => true } });
