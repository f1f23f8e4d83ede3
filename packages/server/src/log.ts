/**
 * Structured logs: one JSON object per line (machine-readable, the default when stdout is not
 * a terminal), or a short human-readable line on a TTY. Secrets never reach the output
 * (CONTRIBUTING.md): values of `Authorization`, `Signature`, `x-oss-signature` and any
 * `*security-token` are replaced by `REDACTED`, both as field names and inside request
 * targets / URLs logged as strings; fields named like secrets, passwords or tokens
 * (`accessKeySecret`, `password`, `sessionToken`…) are redacted too.
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

/** Query parameters whose values are secrets: the signatures and STS tokens (`n` lower-case). */
function secretQueryName(n: string): boolean {
  return n === 'signature' || n === 'x-oss-signature' || n.endsWith('security-token');
}

const knownNames = new Map<string, boolean>();

/**
 * Field names whose values are secrets (compared lower-case): the secret query parameters,
 * `Authorization`, and anything named like a secret, password or token (`accessKeySecret`,
 * `secret`, `password`, `token`, `sessionToken`).
 */
export function isSecretName(name: string): boolean {
  let secret = knownNames.get(name);
  if (secret === undefined) {
    const n = name.toLowerCase();
    secret = secretQueryName(n) || n === 'authorization' || n.includes('secret') || n.includes('password') || n.includes('passwd') || n.endsWith('token');
    // Field names repeat on every log line (`requestId`, `target`…); remember a bounded number.
    if (knownNames.size < 512) knownNames.set(name, secret);
  }
  return secret;
}

/**
 * A request target or URL with the values of secret query parameters replaced. It runs for
 * every logged request (presigned URLs always carry a signature), so it walks the target once
 * and decodes only names that are encoded.
 */
export function redactTarget(target: string): string {
  let at = target.indexOf('?');
  if (at < 0) return target;
  const end = target.length;
  let out = '';
  let copied = 0;
  // The next '=' at or after the current item; kept across items, so the walk stays linear.
  let eqAt = target.indexOf('=', at);
  while (at < end) {
    const start = at + 1;
    let next = target.indexOf('&', start);
    if (next < 0) next = end;
    if (eqAt >= 0 && eqAt < start) eqAt = target.indexOf('=', start);
    if (eqAt >= 0 && eqAt < next) {
      const raw = target.slice(start, eqAt);
      const name = raw.includes('%') || raw.includes('+') ? (percentDecode(raw, true) ?? raw) : raw;
      if (secretQueryName(name.toLowerCase())) {
        out += `${target.slice(copied, eqAt + 1)}${REDACTED}`;
        copied = next;
      }
    }
    at = next;
  }
  return copied === 0 ? target : out + target.slice(copied);
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
  for (const [k, v] of Object.entries(value)) {
    const safe = isSecretName(k) && v !== undefined ? REDACTED : redact(v, depth + 1);
    // A field named `__proto__` stays a field (assigning it would replace the prototype). Not a
    // null-prototype object: those are slow to spread and serialise, and this runs per request.
    if (k === '__proto__') Object.defineProperty(out, k, { value: safe, enumerable: true, writable: true, configurable: true });
    else out[k] = safe;
  }
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
