/**
 * Stale multipart uploads (`--multipart-expiry`): uploads initiated longer ago than the expiry are
 * aborted, their part blobs reclaimed. Age is measured by the storage's injected clock
 * (`Storage.abortStaleUploads`); only the sweep's cadence uses a real timer, so tests call
 * `sweep()` after advancing a ManualClock instead of waiting.
 */
import type { Storage } from './types.js';

/** OSS keeps incomplete uploads until a lifecycle rule removes them; Pail's default is 7 days. */
export const DEFAULT_MULTIPART_EXPIRY_MS = 7 * 86_400_000;
/** Sweeps run at most hourly and at least every tenth of the expiry (a short expiry in tests). */
const MAX_INTERVAL_MS = 3_600_000;
const MIN_INTERVAL_MS = 1_000;

export interface UploadExpiryOptions {
  /** Age after which an upload is aborted (ms); 0 or less disables the sweeps. */
  readonly maxAgeMs: number;
  /** Time between sweeps (ms). Default: a tenth of `maxAgeMs`, between 1 s and 1 h. */
  readonly intervalMs?: number;
  /** Sweep results; a failed sweep is reported and retried at the next interval. */
  readonly onSweep?: (result: { readonly aborted: number } | { readonly error: unknown }) => void;
}

export interface UploadExpiry {
  /** Runs one sweep now (concurrent calls share it); resolves to the number of uploads aborted. */
  sweep(): Promise<number>;
  /** Stops the timer and waits for a sweep in progress. */
  stop(): Promise<void>;
}

export function startUploadExpiry(storage: Storage, options: UploadExpiryOptions): UploadExpiry {
  const { maxAgeMs } = options;
  let running: Promise<number> | undefined;
  const sweep = (): Promise<number> => {
    if (maxAgeMs <= 0) return Promise.resolve(0);
    running ??= storage.abortStaleUploads(maxAgeMs).finally(() => {
      running = undefined;
    });
    return running;
  };
  let timer: NodeJS.Timeout | undefined;
  if (maxAgeMs > 0) {
    const interval = options.intervalMs ?? Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, Math.floor(maxAgeMs / 10)));
    timer = setInterval(() => {
      sweep().then(
        (aborted) => options.onSweep?.({ aborted }),
        (error: unknown) => options.onSweep?.({ error }),
      );
    }, interval);
    // The sweep must never keep a process alive on its own.
    timer.unref();
  }
  return {
    sweep,
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await running?.catch(() => {});
    },
  };
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--multipart-expiry` / PAIL_MULTIPART_EXPIRY: `<n><unit>` with unit ms, s, m, h or d (`7d`,
 * `36h`), a bare number of seconds, or `0` / `off` to keep uploads forever. Undefined when the
 * text is none of these.
 */
export function parseDuration(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'off' || t === 'never') return 0;
  const m = /^(\d{1,12})(ms|s|m|h|d)?$/.exec(t);
  if (!m) return undefined;
  return Number(m[1]) * UNITS[m[2] ?? 's']!;
}
