// The yardstick: a bare node:http server sending the same pre-built bytes as the service
// (identity, or gzip when accepted), with no framework at all. Usage: node baseline-server.mjs PORT BODY_FILE
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';

const [port, file] = process.argv.slice(2);
const identity = readFileSync(file);
const gzip = gzipSync(identity, { level: 9 });

createServer((req, res) => {
  const gz = (req.headers['accept-encoding'] ?? '').includes('gzip');
  const body = gz ? gzip : identity;
  const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length };
  if (gz) headers['content-encoding'] = 'gzip';
  res.writeHead(200, headers);
  res.end(body);
}).listen(Number(port), '127.0.0.1', () => process.send?.('ready'));
