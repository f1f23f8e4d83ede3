/**
 * `npm run soak [-- --duration 300 --concurrency 128 --objects 500 --seed 1 --json]`
 *
 * Load soak against a fresh `pail serve` child process (or `--url http://host:port` with the
 * reliability root key in PAIL_ROOT_ACCESS_KEY_ID/SECRET): 80% presigned GET (V4 and V1),
 * 15% PUT, 5% list/delete at high concurrency for a bounded time. Prints request count, errors,
 * RSS at start (after warm-up) and end, and p50/p99 latency per operation; exits 1 on any
 * unexpected answer or when RSS does not stay flat. See docs/operations.md.
 */
import { runSoak } from '../test/reliability/lib/soak-run.js';
import { argValue, numberKnob } from '../test/reliability/lib/util.js';

const report = await runSoak({
  durationSec: numberKnob('--duration', 'PAIL_SOAK_DURATION', 60),
  concurrency: numberKnob('--concurrency', 'PAIL_SOAK_CONCURRENCY', 128),
  objects: numberKnob('--objects', 'PAIL_SOAK_OBJECTS', 300),
  seed: numberKnob('--seed', 'PAIL_SEED', 1),
  ...(argValue('--url') ? { url: argValue('--url')! } : {}),
});
if (process.argv.includes('--json')) console.log(JSON.stringify(report));
// Flat: the steady-state RSS may not grow by more than 25% + 32 MiB over the run.
const flat = report.rssEndMiB <= report.rssStartMiB * 1.25 + 32;
if (report.errors > 0 || !flat) {
  console.error(`soak FAILED: ${report.errors} errors${flat ? '' : `, RSS grew ${report.rssStartMiB.toFixed(1)} → ${report.rssEndMiB.toFixed(1)} MiB`}`);
  process.exit(1);
}
