/** The markdown and figures of the real-socket recovery section (bench/reconnect-real.ts). */
import type { Figure } from './compare.js';
import type { RealOptions, RealResult } from './reconnect-real.js';
import { fmtInt, table } from './util.js';

/** Median / min / max where a cycle that never came back counts as +Infinity (it is slower than any). */
function censored(xs: readonly number[]): { value: number; min: number; max: number; n: number; never: number } {
  const s = xs.map((x) => (Number.isFinite(x) ? x : Infinity)).sort((a, b) => a - b);
  const m = s.length >> 1;
  const value = s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  return { value, min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN, n: s.length, never: xs.filter((x) => !Number.isFinite(x)).length };
}

const ms = (x: number) => (Number.isFinite(x) ? `${fmtInt(x)} ms` : x === Infinity ? 'never' : 'n/a');

function cell(xs: readonly number[], gaveUp: number): string {
  const c = censored(xs);
  if (c.n === 0) return 'n/a';
  const tail = [c.never ? `${c.never} of ${c.n} not back${gaveUp ? ` (gave up ${gaveUp}×)` : ''}` : '', `n = ${c.n}`].filter(Boolean).join(', ');
  return `${ms(c.value)} (${ms(c.min)}–${ms(c.max)}; ${tail})`;
}

export function realFigures(results: readonly RealResult[]): Figure[] {
  const out: Figure[] = [];
  for (const r of results) {
    for (const [what, xs, label] of [
      ['restart-ms', r.restartMs, 'back after a server restart'],
      ['outage-ms', r.outageMs, "back after a 10 s outage, from the server's return"],
    ] as const) {
      if (xs.length === 0) continue;
      const c = censored(xs);
      // A library that draws its delay once per process gives one independent sample per run: a comparison across runs stays inconclusive.
      // JSON has no Infinity: a median that never came back is stored as NaN (null), "inconclusive" when compared.
      const fin = (x: number) => (Number.isFinite(x) ? x : NaN);
      out.push({
        id: `recovery.${what}.${r.kind.id}`,
        label: `${label}, ${r.kind.id} (median)`,
        unit: 'ms',
        kind: 'absolute',
        better: 'lower',
        value: fin(c.value),
        min: fin(c.min),
        max: fin(c.max),
        samples: r.kind.drawsPerProcess ? 1 : c.n,
      });
    }
  }
  return out;
}

export function realSection(results: readonly RealResult[], o: Omit<RealOptions, 'log'>): string {
  const rows = results.map((r) => [r.kind.label, cell(r.restartMs, 0), cell(r.outageMs, r.gaveUp), r.failures.join('; ')]);
  return [
    '## (g) Recovery over real sockets — server restart and 10 s outage',
    '',
    `Every library with its default options, each against its own server on 127.0.0.1 (steadystream: a jsonProtocol server acking one subscription; reconnecting-websocket and partysocket: a \`ws\` server; graphql-ws: its own \`useServer\`; socket.io-client: a \`socket.io\` server), all libraries concurrently in this process, ${o.clients} clients per library (each draws its own jitter where the library has one; reconnecting-websocket draws its minimum delay once per process, in its default options, so its clients move together). ` +
      `A cycle: connected and receiving for ${o.uptimeMs / 1000} s (past every peer's healthy-connection window), then the server is killed (every TCP connection destroyed, the listener closed), and listens again on the same port — at once ("restart", ${o.cycles} cycles) or after ${o.outageMs / 1000} s ("outage", ${o.outageCycles} cycles). ` +
      `Time from the new server's \`listening\` until the client has received data again (the server sends one message per connection or subscription); a client not back within ${o.boundMs / 1000} s counts as never. Median (min–max) over every client and cycle (n).`,
    '',
    'centrifuge is left out of this section: it needs a Centrifugo-protocol server and none runs offline here (Centrifugo is a Go server, not on npm); its backoff formula is in the simulation (d) and its bundle in (h).',
    '',
    table(['client', 'back after a restart', `back after a ${o.outageMs / 1000} s outage, from the server's return`, 'failures'], rows),
  ].join('\n');
}
