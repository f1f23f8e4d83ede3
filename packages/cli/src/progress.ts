/**
 * A one-line progress bar on stderr with rate and ETA. Only drawn when stderr is a TTY, so
 * pipes and CI logs stay clean; redrawn at most 10 times a second.
 */
import { humanDuration, humanSize } from './format.js';

export interface Progress {
  /** `n` more bytes are done. */
  add(n: number): void;
  /** Total became known (downloads learn it from the response). */
  setTotal(total: number | undefined): void;
  /** Bytes already present before this run (resumes): counted as done, not in the rate. */
  setBase(done: number): void;
  /** Clears the bar (the caller prints its own summary line). */
  done(): void;
}

const NOOP: Progress = { add() {}, setTotal() {}, setBase() {}, done() {} };

export function createProgress(label: string, total: number | undefined, enabled: boolean): Progress {
  const out = process.stderr;
  if (!enabled || !out.isTTY) return NOOP;
  const start = Date.now();
  let base = 0;
  let moved = 0;
  let lastDraw = 0;
  let drawn = false;

  const draw = (force: boolean): void => {
    const now = Date.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    const done = base + moved;
    const secs = (now - start) / 1000;
    const rate = secs > 0.2 ? moved / secs : 0;
    const cols = out.columns || 80;
    let line: string;
    if (total !== undefined && total > 0) {
      const frac = Math.min(1, done / total);
      const pct = `${Math.floor(frac * 100)}%`.padStart(4);
      const eta = rate > 0 ? humanDuration((total - done) / rate) : '--:--';
      // Fixed-width fields so the bar does not jitter as the numbers change.
      const tail = ` ${pct} ${humanSize(done).padStart(9)}/${humanSize(total)} ${`${humanSize(rate)}/s`.padStart(11)} ETA ${eta}`;
      const barWidth = Math.max(10, Math.min(30, cols - tail.length - Math.min(label.length, 30) - 4));
      const filled = Math.round(frac * barWidth);
      line = `${truncate(label, 30)} [${'#'.repeat(filled)}${' '.repeat(barWidth - filled)}]${tail}`;
    } else {
      line = `${truncate(label, 40)} ${humanSize(done)} ${humanSize(rate)}/s`;
    }
    out.write(`\r${line.slice(0, cols - 1)}\x1b[K`);
    drawn = true;
  };

  return {
    add(n) {
      moved += n;
      draw(false);
    },
    setTotal(t) {
      total = t;
    },
    setBase(d) {
      base = d;
    },
    done() {
      if (drawn) out.write('\r\x1b[K');
    },
  };
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `…${s.slice(s.length - n + 1)}`;
}
