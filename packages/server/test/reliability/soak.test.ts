/**
 * The short soak CI runs (the full one is `npm run soak`, docs/operations.md): 20 s of mixed
 * load at concurrency 64 — zero unexpected answers, and the server's RSS stays flat.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSoak } from './lib/soak-run.js';
import { chooseSeed, numberKnob } from './lib/util.js';

test('soak (short): mixed presigned GET / PUT / list / delete load', { timeout: 180_000 }, async () => {
  const report = await runSoak({
    durationSec: numberKnob('--soak-seconds', 'PAIL_SOAK_DURATION', 20),
    concurrency: 64,
    objects: 100,
    seed: chooseSeed('soak', 1),
  });
  assert.equal(report.errors, 0, `unexpected answers: ${report.errorSamples.join(' | ')}`);
  assert.ok(report.requests > 500, `only ${report.requests} requests`);
  assert.ok(report.rssEndMiB <= report.rssStartMiB * 1.25 + 32, `RSS not flat: ${report.rssStartMiB} → ${report.rssEndMiB} MiB`);
});
