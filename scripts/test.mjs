#!/usr/bin/env node
// `npm test`: builds (incrementally), then runs every suite CI runs, each under a stated time
// budget. Suites are folders of compiled tests; a suite over budget is killed and fails.
//   node scripts/test.mjs            all suites
//   node scripts/test.mjs unit sign  only the named suites
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** name → { dirs: compiled test folders (non-recursive), budget in seconds, concurrency } */
const SUITES = {
  unit: { dirs: ['packages/sign/dist/test', 'packages/server/dist/test', 'packages/cli/dist/test'], budget: 300, concurrency: 2 },
  conformance: { dirs: ['packages/server/dist/test/conformance', 'packages/cli/dist/test/conformance'], budget: 420, concurrency: 1 },
  reliability: { dirs: ['packages/server/dist/test/reliability'], budget: 600, concurrency: 1 },
  clients: { dirs: ['packages/server/dist/test/clients', 'packages/sign/dist/test/browser'], budget: 900, concurrency: 1 },
};

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.test.js') && statSync(join(dir, f)).isFile())
    .sort()
    .map((f) => join(dir, f));
}

const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : Object.keys(SUITES);
for (const n of names) if (!SUITES[n]) { console.error(`unknown suite ${n}; known: ${Object.keys(SUITES).join(', ')}`); process.exit(2); }

const build = spawnSync('npx', ['tsc', '-b'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

let failed = 0;
const summary = [];
for (const name of names) {
  const s = SUITES[name];
  const files = s.dirs.flatMap(testFiles);
  if (files.length === 0) { summary.push(`${name}: no tests`); continue; }
  const t0 = Date.now();
  console.log(`\n# suite ${name}: ${files.length} files, budget ${s.budget}s`);
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, ['--test', `--test-concurrency=${s.concurrency}`, ...files], { stdio: 'inherit' });
    const timer = setTimeout(() => { console.error(`# suite ${name} exceeded its ${s.budget}s budget`); child.kill('SIGKILL'); }, s.budget * 1000);
    child.on('exit', (c, sig) => { clearTimeout(timer); resolve(sig ? 1 : (c ?? 1)); });
  });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  summary.push(`${name}: ${code === 0 ? 'ok' : 'FAILED'} in ${secs}s (budget ${s.budget}s)`);
  if (code !== 0) failed++;
}
console.log('\n# suites\n' + summary.map((l) => `#   ${l}`).join('\n'));
process.exit(failed ? 1 : 0);
