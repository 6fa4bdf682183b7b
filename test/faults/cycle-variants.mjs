// A hostile client for the fault suite, in a process of its own so its CPU is not the test's:
// `connections` keep-alive connections from `localAddress`, each requesting the next URL of the
// list as soon as the last answer is in, until SIGTERM; then prints how many answers of each
// status it got, as one JSON line. Usage: node cycle-variants.mjs <port> <urls.json> <connections> <localAddress>
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

const [port, urlsFile, connections, localAddress] = process.argv.slice(2);
const urls = JSON.parse(readFileSync(urlsFile, 'utf8'));
const agent = new Agent({ keepAlive: true, maxSockets: Number(connections) });
const statuses = {};
let next = 0;
let stopped = false;

function one() {
  return new Promise((resolve) => {
    const path = urls[next++ % urls.length];
    const req = request({ host: '127.0.0.1', port: Number(port), path, agent, localAddress, headers: { 'accept-encoding': 'gzip' } }, (res) => {
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      res.resume();
      res.on('end', resolve);
      res.on('error', resolve);
    });
    req.on('error', () => {
      statuses.error = (statuses.error ?? 0) + 1;
      resolve();
    });
    req.end();
  });
}

async function loop() {
  while (!stopped) await one();
}

const loops = Array.from({ length: Number(connections) }, loop);
process.on('SIGTERM', async () => {
  stopped = true;
  await Promise.all(loops);
  process.stdout.write(`${JSON.stringify(statuses)}\n`);
  process.exit(0);
});
process.send?.('ready');
