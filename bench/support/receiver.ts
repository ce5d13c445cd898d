/**
 * The benchmark's webhook receiver, run as a child process so that on a small machine it does not
 * share the sender's event loop (a real receiver lives elsewhere). It answers 204 to every POST
 * and notes when each request was fully received, keyed by its `webhook-id`, on the machine clock
 * (performance.timeOrigin + performance.now(), the same clock the parent reads).
 *
 * Parent → child messages: { kind: 'expect', count } (reply { kind: 'reached' } once that many
 * requests have arrived since the last collect), { kind: 'collect' } (reply with what arrived and
 * forget it; with the receiver's CPU time so far). Child → parent on start: { kind: 'listening', port }.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

const origin = performance.timeOrigin;
let ids: string[] = [];
let times: number[] = [];
let expected = Infinity;

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    times.push(origin + performance.now());
    ids.push(String(req.headers['webhook-id']));
    res.writeHead(204).end();
    if (ids.length === expected) {
      expected = Infinity;
      process.send?.({ kind: 'reached' });
    }
  });
});

process.on('message', (message: { kind: string; count?: number }) => {
  if (message.kind === 'expect') {
    expected = message.count ?? Infinity;
    if (ids.length >= expected) {
      expected = Infinity;
      process.send?.({ kind: 'reached' });
    }
  } else if (message.kind === 'collect') {
    const cpu = process.cpuUsage();
    process.send?.({ kind: 'collected', ids, times, cpuMs: (cpu.user + cpu.system) / 1000 });
    ids = [];
    times = [];
  }
});
// The parent going away (even killed) ends the receiver too.
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => {
  process.send?.({ kind: 'listening', port: (server.address() as AddressInfo).port });
});
