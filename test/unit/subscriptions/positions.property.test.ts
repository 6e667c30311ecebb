import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GapInfo } from '../../../src/subscriptions/index.js';
import { registryHarness, type FakeSession } from '../../helpers/registry.js';

/**
 * The contract, for one topic on a server that restarts (with a reset position: it lost its
 * history and numbers again from below the client's position; or without: it kept its log and
 * replays from the resume point), drops frames, retransmits the last frame and delivers
 * adjacent frames out of order:
 * - a frame is delivered iff its seq is above the client's position (the last delivered seq, or
 *   the ack's position when nothing came yet or when the ack is below the resume point): every
 *   frame of the current stream that arrives in order is delivered, older ones never are;
 * - nothing is delivered twice;
 * - a frame above position + 1 is reported as `{ kind: 'gap' }` first, an ack below the resume
 *   point as `{ kind: 'reset' }`, with exact values; nothing else is reported.
 */

type Arrival = { op: 'subscribed'; seq: number } | { op: 'data'; seq: number; id: string };

type Cmd =
  | { t: 'publish' }
  | { t: 'deliver'; n: number }
  | { t: 'drop' }
  | { t: 'retransmit' }
  | { t: 'swap' }
  | { t: 'restart'; reset: boolean; back: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ t: 'publish' } as const) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 5 }).map((n) => ({ t: 'deliver', n }) as const) },
  fc.constant({ t: 'drop' } as const),
  fc.constant({ t: 'retransmit' } as const),
  fc.constant({ t: 'swap' } as const),
  fc.record({ t: fc.constant('restart' as const), reset: fc.boolean(), back: fc.nat(5) }),
);

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe('positions under restarts, drops, retransmits and reorders (property)', () => {
  it('delivers every in-order frame of the current stream exactly once and reports every gap and reset', () => {
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: 150 }), (cmds) => {
        const { registry, attach, server, counters } = registryHarness();
        let session: FakeSession = attach();
        const events: (['data', string] | ['gap', GapInfo])[] = [];
        registry.add('A', (id: string) => void events.push(['data', id]), { onGap: (g) => void events.push(['gap', g]) });
        // Server side: its stream (epoch + numbering), its log of the current epoch, the channel.
        let epoch = 0;
        let head = 0;
        const log: number[] = [];
        let inflight: Arrival[] = [];
        const frame = (seq: number): Arrival => ({ op: 'data', seq, id: `${epoch}:${seq}` });
        const answer = (): void => {
          const from = session.ops('subscribe').at(-1)?.['from'] as number | undefined;
          if (from !== undefined) for (const seq of log) if (seq > from) inflight.push(frame(seq)); // replay
          inflight.unshift({ op: 'subscribed', seq: head });
        };
        answer();
        // The contract's side: the client's position and what has been delivered.
        let pos: number | undefined;
        const seen = new Set<string>();
        let gaps = 0;
        let resets = 0;
        const arrive = (a: Arrival): void => {
          events.length = 0;
          const expected: typeof events = [];
          if (a.op === 'subscribed') {
            if (pos !== undefined && a.seq < pos) {
              expected.push(['gap', { kind: 'reset', expected: pos + 1, received: a.seq }]);
              resets++;
            }
            if (pos === undefined || a.seq < pos) pos = a.seq;
            server({ op: 'subscribed', topic: 'A', seq: a.seq });
          } else {
            if (pos === undefined || a.seq > pos) {
              if (pos !== undefined && a.seq > pos + 1) {
                expected.push(['gap', { kind: 'gap', expected: pos + 1, received: a.seq }]);
                gaps++;
              }
              expected.push(['data', a.id]);
              expect(seen.has(a.id), `${a.id} delivered twice`).toBe(false);
              seen.add(a.id);
              pos = a.seq;
            }
            server({ op: 'data', topic: 'A', seq: a.seq, data: a.id });
          }
          expect(events).toEqual(expected);
        };
        for (const c of cmds) {
          switch (c.t) {
            case 'publish':
              log.push(++head);
              inflight.push(frame(head));
              break;
            case 'deliver':
              for (let i = 0; i < c.n && inflight.length > 0; i++) arrive(inflight.shift()!);
              break;
            case 'drop':
              if (inflight[0]?.op === 'data') inflight.shift();
              break;
            case 'retransmit': {
              const last = log.at(-1);
              if (last !== undefined) inflight.splice(inflight[0]?.op === 'subscribed' ? 1 : 0, 0, frame(last)); // the channel is ordered: never before the ack
              break;
            }
            case 'swap':
              if (inflight.length > 1 && inflight[0]!.op === 'data' && inflight[1]!.op === 'data')
                inflight = [inflight[1]!, inflight[0]!, ...inflight.slice(2)];
              break;
            case 'restart': {
              registry.detach();
              inflight = [];
              session = attach();
              const from = session.ops('subscribe').at(-1)?.['from'] as number | undefined;
              if (c.reset) {
                epoch++;
                head = from === undefined ? c.back : Math.max(0, from - 1 - c.back);
                log.length = 0;
              }
              answer();
              break;
            }
          }
        }
        expect([counters.gaps, counters.resets, counters.decodeErrors]).toEqual([gaps, resets, 0]);
        registry.dispose();
      }),
      { numRuns: 300 },
    );
  });
});
