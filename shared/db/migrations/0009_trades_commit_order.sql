-- The live stream (GET /stream) numbers each trade by the transaction that stored it, then by its
-- arrival: (xid, seq). seq alone is assigned at insert, not at commit, so a reader that followed
-- it would step past a trade whose transaction commits after a later-numbered one's. A reader
-- that takes only the trades of transactions below its snapshot's xmin (every one of them ended:
-- nothing can still appear among them) can follow (xid, seq) and never skip or repeat a trade.
-- Trades stored before this column existed have none: the stream starts after them.
alter table trades add column xid bigint;
alter table trades alter column xid set default (pg_current_xact_id()::text::bigint);

create index trades_xid_seq_idx on trades (xid, seq) where xid is not null;
