import type { KV } from '@nats-io/kv';
import type { Clock } from '../core/clock.js';
import type { TaskRegistry, Timer } from '../core/tasks.js';
import { LEADER_KEY } from './names.js';

/** Why a leader stopped leading. */
export type StepDownReason = 'taken' | 'expired' | 'publish-failed' | 'closed';

/** What the lease tells its owner. */
export interface LeaseOwner {
  /** Won, and a full lease time has passed since the previous holder's key could have lapsed. */
  lead(epoch: number): void;
  /** No longer leading: stop the upstream now. The lease waits for the promise before campaigning again. */
  stepDown(reason: StepDownReason): Promise<void>;
  /** A lease operation failed in a way worth reporting (not a lost race). */
  trouble(err: unknown): void;
}

type State =
  | { kind: 'standby' }
  | { kind: 'fencing'; epoch: number; revision: number }
  | { kind: 'leading'; epoch: number; revision: number }
  | { kind: 'stepping-down' }
  | { kind: 'closed' };

/** nats-server's "wrong last sequence" (a CAS on the key lost). */
const WRONG_LAST_SEQUENCE = 10071;

/**
 * Leader election over a KV bucket whose `ttl` is the lease time `ttlMs` (nats-server 2.9 has
 * no per-key TTL). `create` wins; the holder renews with `update(key, id, revision)` every
 * `ttlMs / 4`; a dead holder's key ages out. Safety by time: a holder that has not renewed for
 * `ttlMs` (counted from when its last good renewal was *sent*) steps down, while a winner waits
 * another `ttlMs` before it leads — so the old upstream is closed a full lease time before a new
 * one opens. The epoch (fencing token) is the revision `create` returned: it only grows.
 */
export class Lease {
  readonly #kv: KV;
  readonly #id: string;
  readonly #ttlMs: number;
  readonly #clock: Clock;
  readonly #owner: LeaseOwner;
  readonly #campaign: Timer;
  readonly #renew: Timer;
  readonly #deadline: Timer;
  readonly #fence: Timer;
  #state: State = { kind: 'standby' };
  #busy = false;
  /** Clock time the last successful create/renew was sent. */
  #lastOkSentAt = 0;

  constructor(kv: KV, id: string, ttlMs: number, tasks: TaskRegistry, owner: LeaseOwner) {
    this.#kv = kv;
    this.#id = id;
    this.#ttlMs = ttlMs;
    this.#clock = tasks.clock;
    this.#owner = owner;
    this.#campaign = tasks.timer('relay.lease.campaign', () => void this.#tryCreate());
    this.#renew = tasks.timer('relay.lease.renew', () => void this.#tryRenew());
    this.#deadline = tasks.timer('relay.lease.deadline', () => void this.stepDown('expired'));
    this.#fence = tasks.timer('relay.lease.fence', () => this.#fenceDone());
  }

  /** The current term's epoch while leading (or fencing), else `undefined`. */
  get epoch(): number | undefined {
    const s = this.#state;
    return s.kind === 'leading' || s.kind === 'fencing' ? s.epoch : undefined;
  }

  get leading(): boolean {
    return this.#state.kind === 'leading';
  }

  start(): void {
    if (this.#state.kind === 'standby') this.#campaign.arm(0);
  }

  /** Step down now (publish failure, close): the owner closes upstream, then the key is released. */
  async stepDown(reason: StepDownReason): Promise<void> {
    const s = this.#state;
    if (s.kind !== 'leading' && s.kind !== 'fencing') return;
    this.#state = { kind: 'stepping-down' };
    this.#renew.cancel();
    this.#deadline.cancel();
    this.#fence.cancel();
    try {
      await this.#owner.stepDown(reason);
    } catch (err) {
      this.#owner.trouble(err);
    }
    // Upstream is closed: hand the key over early unless it was taken or ran out.
    if (reason !== 'taken' && reason !== 'expired') await this.#kv.delete(LEADER_KEY, { previousSeq: s.revision }).catch(() => {});
    if (this.#state.kind !== 'stepping-down') return; // closed meanwhile
    this.#state = { kind: 'standby' };
    if (reason !== 'closed') this.#campaign.arm(this.#ttlMs);
  }

  async close(): Promise<void> {
    await this.stepDown('closed');
    this.#state = { kind: 'closed' };
    this.#campaign.cancel();
  }

  async #tryCreate(): Promise<void> {
    if (this.#state.kind !== 'standby') return;
    if (this.#busy) {
      this.#campaign.arm(this.#ttlMs / 20); // a renewal from the last term is still in flight
      return;
    }
    this.#busy = true;
    const sentAt = this.#clock.now();
    try {
      const revision = await this.#kv.create(LEADER_KEY, this.#id);
      if (this.#state.kind !== 'standby') return;
      this.#lastOkSentAt = sentAt;
      this.#state = { kind: 'fencing', epoch: revision, revision };
      this.#armRenewal();
      this.#fence.arm(this.#ttlMs);
    } catch (err) {
      if (!isCasLoss(err)) this.#owner.trouble(err);
    } finally {
      this.#busy = false;
      if (this.#state.kind === 'standby') this.#campaign.arm(this.#ttlMs / 20);
    }
  }

  #fenceDone(): void {
    const s = this.#state;
    if (s.kind !== 'fencing') return;
    this.#state = { kind: 'leading', epoch: s.epoch, revision: s.revision };
    this.#owner.lead(s.epoch);
  }

  async #tryRenew(): Promise<void> {
    const s = this.#state;
    if ((s.kind !== 'leading' && s.kind !== 'fencing') || this.#busy) return;
    this.#busy = true;
    const sentAt = this.#clock.now();
    try {
      let revision: number;
      try {
        revision = await this.#kv.update(LEADER_KEY, this.#id, s.revision);
      } catch (err) {
        if (!isCasLoss(err)) throw err;
        // Our previous renewal may have landed with its answer lost: the key is still ours then.
        const e = await this.#kv.get(LEADER_KEY);
        if (e === null || e.operation !== 'PUT' || e.string() !== this.#id) throw err;
        revision = e.revision;
      }
      if (this.#state !== s) return;
      this.#state = { ...s, revision };
      this.#lastOkSentAt = sentAt;
      this.#armRenewal();
    } catch (err) {
      if (this.#state !== s) return;
      if (isCasLoss(err)) {
        void this.stepDown('taken');
        return;
      }
      this.#owner.trouble(err);
      this.#renew.arm(this.#ttlMs / 10); // keep trying until the deadline steps us down
    } finally {
      this.#busy = false;
    }
  }

  #armRenewal(): void {
    this.#renew.arm(this.#ttlMs / 4);
    this.#deadline.arm(this.#lastOkSentAt + this.#ttlMs - this.#clock.now());
  }
}

function isCasLoss(err: unknown): boolean {
  return (err as { code?: unknown } | undefined)?.code === WRONG_LAST_SEQUENCE || (err instanceof Error && /wrong last sequence/i.test(err.message));
}
