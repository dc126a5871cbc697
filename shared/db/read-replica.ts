import type { Logger } from '../logging/logger.js';
import type { Sql } from './client.js';
import { withTimeout } from './db-errors.js';

/**
 * What the api knows of its read replica: `in_use` (reads go there), `lagging` (behind by more than
 * the allowed lag), `unreachable` (did not answer the check), `not_a_standby` (answers but follows
 * no primary: a promoted replica or a wrong URL), `unchecked` (not checked yet).
 */
export type ReplicaState = 'in_use' | 'lagging' | 'unreachable' | 'not_a_standby' | 'unchecked';

export interface ReplicaStatus {
  state: ReplicaState;
  /** Seconds behind the primary at the last check; null when unknown. */
  lagSeconds: number | null;
  checkedAt: Date | null;
}

export interface ReadReplicaOptions {
  primary: Sql;
  replica: Sql;
  logger: Logger;
  /** Reads fall back to the primary when the replica is further behind than this. */
  maxLagSeconds: number;
  /** How old the last check may be before a read starts the next one (in the background). */
  checkIntervalMs: number;
  /** How long a check waits for either server. */
  checkTimeoutMs?: number;
  now?: () => number;
}

/** A WAL position (`16/B374D848`) as a number, to compare positions in order. */
export const lsnValue = (lsn: string): bigint => {
  const [high = '0', low = '0'] = lsn.split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
};

/**
 * Routes reads to a streaming replica while it keeps up, else to the primary.
 *
 * Lag is measured by WAL position, not by `now() - pg_last_xact_replay_timestamp()`, which grows
 * without bound on a replica of a quiet primary that has nothing to replay. Each check reads the
 * primary's current WAL position (`pg_current_wal_lsn()`) and remembers when it saw it, then asks
 * the replica how far it has replayed (`pg_last_wal_replay_lsn()`): the lag is the age of the
 * oldest position the primary had reached that the replica has still not replayed, 0 when it has
 * replayed everything seen. So a quiet pair reads 0, and a replica that stopped replaying reads
 * ever more, to within one check interval.
 *
 * Checks run when a read finds the last one older than `checkIntervalMs`, in the background (the
 * read does not wait): a serverless instance gets CPU while it serves requests, so timers would not
 * run reliably. Every change of route is logged.
 */
export class ReadReplica {
  readonly #primary: Sql;
  readonly #replica: Sql;
  readonly #logger: Logger;
  readonly #maxLagSeconds: number;
  readonly #checkIntervalMs: number;
  readonly #checkTimeoutMs: number;
  readonly #now: () => number;
  /** Primary WAL positions not yet replayed by the replica, oldest first, with when each was seen. */
  #unreplayed: { lsn: bigint; seenAt: number }[] = [];
  #status: ReplicaStatus = { state: 'unchecked', lagSeconds: null, checkedAt: null };
  #checking: Promise<ReplicaStatus> | undefined;
  #lastCheckStarted = Number.NEGATIVE_INFINITY;

  constructor({
    primary,
    replica,
    logger,
    maxLagSeconds,
    checkIntervalMs,
    checkTimeoutMs = 1_000,
    now = Date.now,
  }: ReadReplicaOptions) {
    this.#primary = primary;
    this.#replica = replica;
    this.#logger = logger;
    this.#maxLagSeconds = maxLagSeconds;
    this.#checkIntervalMs = checkIntervalMs;
    this.#checkTimeoutMs = checkTimeoutMs;
    this.#now = now;
  }

  get status(): ReplicaStatus {
    return this.#status;
  }

  /** The pool to read from now: the replica while it is in use, else the primary. */
  reader(): Sql {
    if (this.#now() - this.#lastCheckStarted >= this.#checkIntervalMs) void this.check();
    return this.#status.state === 'in_use' ? this.#replica : this.#primary;
  }

  /** Checks the replica now (one check at a time), and routes reads by the answer. */
  check(): Promise<ReplicaStatus> {
    this.#lastCheckStarted = this.#now();
    this.#checking ??= this.#measure()
      .then((status) => {
        this.#route(status);
        return status;
      })
      .finally(() => {
        this.#checking = undefined;
      });
    return this.#checking;
  }

  async #measure(): Promise<ReplicaStatus> {
    const checkedAt = new Date(this.#now());
    let replayed: { standby: boolean; lsn: string | null };
    try {
      // The primary first: a position the replica has replayed by the time it answers is caught up.
      const [primary] = await withTimeout(
        this.#primary<{ lsn: string }[]>`select pg_current_wal_lsn()::text as lsn`,
        this.#checkTimeoutMs,
        'the primary',
      );
      const lsn = primary === undefined ? undefined : lsnValue(primary.lsn);
      // A quiet primary repeats its position, and only the oldest unreplayed one sets the lag:
      // the list stays short even while the replica is down for long.
      if (
        lsn !== undefined &&
        lsn !== this.#unreplayed.at(-1)?.lsn &&
        this.#unreplayed.length < 1_000
      )
        this.#unreplayed.push({ lsn, seenAt: checkedAt.getTime() });
      const [row] = await withTimeout(
        this.#replica<{ standby: boolean; lsn: string | null }[]>`
          select pg_is_in_recovery() as standby, pg_last_wal_replay_lsn()::text as lsn`,
        this.#checkTimeoutMs,
        'the read replica',
      );
      replayed = row ?? { standby: false, lsn: null };
    } catch (error) {
      this.#logger.debug({ err: error }, 'read replica check failed');
      return { state: 'unreachable', lagSeconds: null, checkedAt };
    }
    if (!replayed.standby || replayed.lsn === null) {
      this.#unreplayed = [];
      return { state: 'not_a_standby', lagSeconds: null, checkedAt };
    }
    const replayedLsn = lsnValue(replayed.lsn);
    this.#unreplayed = this.#unreplayed.filter(({ lsn }) => lsn > replayedLsn);
    const oldest = this.#unreplayed[0];
    const lagSeconds = oldest === undefined ? 0 : (checkedAt.getTime() - oldest.seenAt) / 1000;
    return {
      state: lagSeconds > this.#maxLagSeconds ? 'lagging' : 'in_use',
      lagSeconds,
      checkedAt,
    };
  }

  #route(status: ReplicaStatus): void {
    const before = this.#status.state;
    this.#status = status;
    if (status.state === before) return;
    const fields = { replica_state: status.state, lag_seconds: status.lagSeconds };
    if (status.state === 'in_use') this.#logger.info(fields, 'reads go to the read replica');
    else
      this.#logger.warn(
        fields,
        `reads fall back to the primary: the read replica is ${status.state.replace(/_/g, ' ')}`,
      );
  }
}
