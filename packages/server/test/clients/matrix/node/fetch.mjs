// The Node.js global-fetch column of the presigned-download matrix: fetch, then stream the body to a
// file, taking the URL and the output path as arguments, plus a resume mode
// (Range: bytes=<size of the partial file>-).
//
//   node fetch.mjs <presigned-url> <file> [--resume]
//
// HTTPS trust: NODE_EXTRA_CA_CERTS (also read by Node's built-in fetch).
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const [url, savePath, mode] = process.argv.slice(2);
if (!url || !savePath || (mode !== undefined && mode !== '--resume')) {
  console.error('usage: node fetch.mjs <presigned-url> <file> [--resume]');
  process.exit(2);
}

// Resume: the Range header is not part of a presigned URL's signature, so the same URL serves any range.
const have = mode === '--resume' && fs.existsSync(savePath) ? fs.statSync(savePath).size : 0;

try {
  const response = await fetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {} });
  if (have > 0 && response.status === 416) {
    console.log(`Already complete: ${savePath}`);
    process.exit(0);
  }
  if (!response.ok) {
    console.error(`Download failed: HTTP ${response.status}`);
    console.error(await response.text());
    process.exit(1);
  }
  // The file is opened only for a success status, so an error body never lands under the object's name.
  const flags = response.status === 206 ? 'a' : 'w';
  await pipeline(Readable.fromWeb(response.body), fs.createWriteStream(savePath, { flags }));
  console.log(`Download completed: ${savePath}`);
} catch (err) {
  console.error(`Download failed: ${err.cause?.message ?? err.message}`);
  process.exit(1);
}
