/**
 * Key names can never reach outside the data directory, and data files are never named after
 * keys (issue 5): `../`, `%2e%2e`, NUL, backslashes, absolute paths, very long names and
 * Unicode normalisation tricks, sent through validly signed requests so they reach storage.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { walk } from './lib/datadir.js';
import { OssClient, rawHttp } from './lib/oss.js';
import { freshDir, REGION, ROOT_CREDENTIALS, ServerProcess } from './lib/server-process.js';
import { signV4Header } from './lib/sig.js';
import { sha256 } from './lib/util.js';

const BUCKET = 'keys';
const MARK = 'zqxjk'; // a fragment no file name of Pail's own contains

const HOSTILE_KEYS: string[] = [
  `../${MARK}1`, `../../../../../../../../tmp/${MARK}2`, `a/../../${MARK}3`, `./${MARK}4`, `dir/./${MARK}5`, '..', '.', '...', '../', './',
  `..\\..\\${MARK}6`, `\\abs\\${MARK}7`, `/abs/${MARK}8`, `//${MARK}9`, `/${MARK}10/`, `nul\u0000${MARK}11`, `\u0000`, `${MARK}12\u0000.txt`,
  `%2e%2e/${MARK}13`, `%2E%2E%2F${MARK}14`, `..%2f${MARK}15`, `..%5c${MARK}16`, `\uff0e\uff0e\uff0f${MARK}17`, `\u2025/${MARK}18`, `a\u2215..\u2215${MARK}19`,
  `caf\u00e9-${MARK}20`, `cafe\u0301-${MARK}20`, `\ufb01le-${MARK}21`, `file-${MARK}21`, `\u212b-${MARK}22`, `\u00c5-${MARK}22`, `A\u030a-${MARK}22`,
  `con`, `aux.txt`, `NUL`, `${MARK}23:stream`, `${MARK}24\ttab`, `${MARK}25\r\nnewline`, `\u202e${MARK}26`, `${MARK}27 `, ` ${MARK}28`,
  `${'d/'.repeat(300)}${MARK}29`, `${MARK}30${'x'.repeat(1023 - 7)}`, `${MARK}31${'y'.repeat(1024 - 7)}`, `${MARK}32${'é'.repeat(600)}`, `${'../'.repeat(200)}${MARK}33`,
  `meta.db`, `blobs/${MARK}34`, `../meta.db`, `../blobs`, `\ud83d\ude00-${MARK}35`,
];

let server: ServerProcess;
let client: OssClient;
let dataDir: string;

before(async () => {
  dataDir = freshDir('keys');
  server = await ServerProcess.start({ dataDir });
  client = OssClient.forUrl(server.url, ROOT_CREDENTIALS, REGION);
  await client.putBucket(BUCKET);
});

after(async () => {
  client?.close();
  await server?.stop();
  server?.removeFiles();
});

test('hostile keys: stored and read back as opaque names, or refused; never a 500', { timeout: 120_000 }, async () => {
  const stored = new Map<string, Buffer>();
  const outcome = new Map<string, number>();
  for (const [i, key] of HOSTILE_KEYS.entries()) {
    const body = Buffer.from(`object #${i} ${JSON.stringify(key).slice(0, 40)}`);
    const r = await client.putObject(BUCKET, key, body);
    outcome.set(`${r.status}`, (outcome.get(`${r.status}`) ?? 0) + 1);
    assert.ok(r.status === 200 || r.status === 400, `PutObject ${JSON.stringify(key).slice(0, 80)}: HTTP ${r.status} ${r.body.toString('utf8').slice(0, 200)}`);
    if (r.status === 200) stored.set(key, body);
  }
  // Keys over 1023 bytes are refused (OSS: InvalidObjectName); 1023 is fine.
  assert.ok(stored.has(`${MARK}30${'x'.repeat(1023 - 7)}`), '1023-byte key refused');
  assert.ok(!stored.has(`${MARK}31${'y'.repeat(1024 - 7)}`), '1024-byte key accepted');
  for (const [key, body] of stored) {
    const g = await client.getObject(BUCKET, key);
    assert.equal(g.status, 200, `GetObject ${JSON.stringify(key).slice(0, 80)}: ${g.status}`);
    assert.ok(g.body.equals(body), `GetObject ${JSON.stringify(key).slice(0, 80)}: wrong bytes (another key's object?)`);
  }
  // Unicode normalisation: composed and decomposed forms are different keys (OSS compares bytes).
  for (const [a, b] of [
    [`caf\u00e9-${MARK}20`, `cafe\u0301-${MARK}20`],
    [`\ufb01le-${MARK}21`, `file-${MARK}21`],
    [`\u212b-${MARK}22`, `\u00c5-${MARK}22`],
    [`\u00c5-${MARK}22`, `A\u030a-${MARK}22`],
  ] as const) {
    if (stored.has(a) && stored.has(b)) assert.notEqual(sha256(stored.get(a)!), sha256(stored.get(b)!));
    assert.ok(stored.has(a) === stored.has(b), `only one of ${JSON.stringify(a)} / ${JSON.stringify(b)} accepted`);
  }
  const listed = new Set((await client.listAll(BUCKET, '')).map((o) => o.key));
  for (const key of stored.keys()) {
    if (/[\u0000-\u001f]/.test(key)) continue; // XML 1.0 cannot carry them without encoding-type=url
    assert.ok(listed.has(key), `listing lacks ${JSON.stringify(key).slice(0, 80)}`);
  }
  console.log(`# keys: ${HOSTILE_KEYS.length} hostile keys: ${JSON.stringify(Object.fromEntries(outcome))}; ${stored.size} read back byte-exact`);
});

test('traversal request targets never read files outside the object namespace', async () => {
  // an empty bucket: every one of these must be refused or be a NoSuchKey, never a file's bytes
  await client.putBucket('trav');
  const targets = [
    '/trav/../../../../etc/passwd', '/trav/..%2F..%2F..%2F..%2Fetc%2Fpasswd', '/trav/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/trav/..\\..\\..\\etc\\passwd',
    '/trav/%2e%2e%5c%2e%2e%5cmeta.db', '/trav/../meta.db', '/trav/..%2fmeta.db', '/../meta.db', '/%2e%2e/meta.db', '/trav/%2e%2e', '/trav/%00', '/..', '/%2e%2e',
    '/trav//etc/passwd', '/trav/%2Fetc%2Fpasswd', '/trav/\\etc\\passwd', '/trav/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd', '/trav/../blobs', '/trav/../tmp',
  ];
  for (const t of targets) {
    // sign what the server will decode; an undecodable target just fails auth, which is fine too
    const path = t;
    const slash = path.indexOf('/', 1);
    const bucket = slash < 0 ? decodeSafe(path.slice(1)) : decodeSafe(path.slice(1, slash));
    const key = slash < 0 ? '' : decodeSafe(path.slice(slash + 1));
    const headers = signV4Header(ROOT_CREDENTIALS, { method: 'GET', bucket: bucket || null, key, region: REGION, now: Date.now() });
    const r = await rawHttp({ host: '127.0.0.1', port: server.port, method: 'GET', path, headers, agent: client.agent });
    const text = r.body.toString('latin1');
    assert.ok(r.status >= 400 && r.status < 500, `${t}: HTTP ${r.status}`);
    assert.ok(!text.includes('root:x:0:0') && !text.includes('SQLite format 3'), `${t}: served a file from disk`);
  }
});

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

test('no file is named after a key, and nothing was written outside the data directory', async () => {
  await server.stop();
  const files = walk(dataDir);
  const named = files.filter((f) => f.slice(dataDir.length).includes(MARK));
  assert.deepEqual(named, [], 'data files named after keys');
  for (const f of files) assert.ok(resolve(f).startsWith(resolve(dataDir) + '/'), `${f} outside the data dir`);
  // every directory a key could be resolved against
  const dirs = [dataDir, ...files.map((f) => dirname(f))];
  for (const key of HOSTILE_KEYS) {
    for (const d of new Set(dirs)) {
      let p: string;
      try {
        p = resolve(d, key.replace(/\\/g, '/'));
      } catch {
        continue;
      }
      if (!p.includes(MARK)) continue;
      assert.ok(!existsSync(p), `${p} exists (key ${JSON.stringify(key).slice(0, 60)} reached the file system)`);
    }
  }
  assert.ok(!existsSync(`/tmp/${MARK}2`));
  const parentAfter = readdirSync(dirname(dataDir)).filter((n) => n.includes(MARK));
  assert.deepEqual(parentAfter, [], 'files named after keys next to the data dir');
  // restart for after()
  server = await ServerProcess.start({ dataDir });
});
