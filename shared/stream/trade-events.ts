/**
 * The live stream's numbering of trades: (xid, seq), the transaction that stored a trade, then its
 * arrival. A reader takes only trades of transactions below its snapshot's xmin — every such
 * transaction has ended, so nothing new can appear among them — and follows (xid, seq): no trade
 * is skipped for committing late, none is read twice (migration 0009).
 */

/** The NOTIFY channel persist signals after a commit that stored trades (no payload). */
export const TRADES_CHANNEL = 'mdp_trades';

/** A position in the stream: bigints as decimal strings. */
export interface EventId {
  xid: string;
  seq: string;
}

/** Before every trade (the start of the stream). */
export const STREAM_START: EventId = { xid: '0', seq: '0' };

const EVENT_ID = /^(\d{1,19})-(\d{1,19})$/;

/** `12345-678`: the form of an SSE event id (no newline, nothing to escape). */
export const formatEventId = ({ xid, seq }: EventId) => `${xid}-${seq}`;

/** The event id a client sent back, or undefined when it is not one this stream issued. */
export function parseEventId(text: string): EventId | undefined {
  const match = EVENT_ID.exec(text);
  return match?.[1] === undefined || match[2] === undefined
    ? undefined
    : { xid: match[1], seq: match[2] };
}

/** Whether `a` comes after `b` in the stream. */
export function isAfter(a: EventId, b: EventId): boolean {
  const [ax, bx] = [BigInt(a.xid), BigInt(b.xid)];
  return ax === bx ? BigInt(a.seq) > BigInt(b.seq) : ax > bx;
}
