// The yardstick: a bare node:http server that sends, byte for byte, what the service sends on
// its hot path (status line, headers and body, per encoding, and the 304), recorded from the
// service itself, with no framework and no per-request work beyond picking the variant.
// Usage: node baseline-server.mjs PORT SPEC_FILE   (SPEC_FILE: written by bench/http-load.ts)
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [port, file] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(file, 'utf8'));
const variants = Object.fromEntries(Object.entries(spec.variants).map(([name, v]) => [name, { headers: v.headers, body: Buffer.from(v.body, 'base64') }]));

createServer((req, res) => {
  if (req.headers['if-none-match'] === spec.etag) {
    res.writeHead(304, spec.notModified.headers);
    res.end();
    return;
  }
  const accept = req.headers['accept-encoding'] ?? '';
  const v = accept.includes('br') ? variants.br : accept.includes('gzip') ? variants.gzip : variants.identity;
  res.writeHead(200, v.headers);
  res.end(v.body);
}).listen(Number(port), '127.0.0.1', 4096, () => process.send?.('ready')); // the service's backlog too
