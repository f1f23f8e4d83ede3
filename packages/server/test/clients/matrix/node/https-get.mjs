// The Node.js column of the presigned-download matrix: the OSS guide's https.get snippet, the response
// piped into a file stream, taking the URL and the output path as arguments (http.get for http: URLs),
// plus a resume mode (Range: bytes=<size of the partial file>-).
//
//   node https-get.mjs <presigned-url> <file> [--resume]
//
// HTTPS trust: NODE_EXTRA_CA_CERTS (Node's normal mechanism).
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

const [url, savePath, mode] = process.argv.slice(2);
if (!url || !savePath || (mode !== undefined && mode !== '--resume')) {
  console.error('usage: node https-get.mjs <presigned-url> <file> [--resume]');
  process.exit(2);
}

// Resume: the Range header is not part of a presigned URL's signature, so the same URL serves any range.
const have = mode === '--resume' && fs.existsSync(savePath) ? fs.statSync(savePath).size : 0;
const headers = have > 0 ? { Range: `bytes=${have}-` } : {};

const client = url.startsWith('https:') ? https : http;
client
  .get(url, { headers }, (response) => {
    if (response.statusCode === 200 || (have > 0 && response.statusCode === 206)) {
      // The file is created only for a success status, so an error body never lands under the object's name.
      const file = fs.createWriteStream(savePath, { flags: response.statusCode === 206 ? 'a' : 'w' });
      response.pipe(file);
      file.on('finish', () => {
        file.close();
        console.log(`Download completed: ${savePath}`);
      });
      response.on('error', (err) => {
        console.error(`Download interrupted: ${err.message}`);
        process.exitCode = 1;
      });
    } else if (have > 0 && response.statusCode === 416) {
      response.resume();
      console.log(`Already complete: ${savePath}`);
    } else {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () => {
        console.error(`Download failed: HTTP ${response.statusCode}`);
        console.error(body);
        process.exitCode = 1;
      });
    }
  })
  .on('error', (err) => {
    console.error(`Download failed: ${err.message}`);
    process.exitCode = 1;
  });
