-- trades becomes a table partitioned by range of ts, one partition per calendar month (UTC), so
-- that retention drops a whole month (DROP TABLE, no DELETE) and a table of billions of rows is
-- many tables of a month each (issue 18; docs/architecture.md "Trades partitions").
--
-- The existing table keeps every row and becomes the DEFAULT partition: a partition that takes any
-- trade no monthly partition covers, so an insert never fails for want of a partition (a replay
-- of a 2019 tape lands there). Attaching it is instant: there is no other partition yet, so
-- nothing to validate, and its two secondary indexes become the partitioned indexes' own. The
-- only rebuilt index is the key, which must now hold the partition key: (trade_id, ts).
-- The maintenance run that follows every migration (shared/trades/partition-maintenance.ts) then
-- moves the default partition's rows into monthly partitions, a month per transaction in batches
-- of rows, logging its progress, and creates the months ahead.

-- PostgreSQL 16 (Cloud SQL) has no identity column on a partitioned table: seq takes its values
-- from a plain sequence, which continues where the identity's stopped.
create sequence trades_seq as bigint;
do $$
declare
  identity_sequence text := pg_get_serial_sequence('trades', 'seq');
  last bigint;
  called boolean;
begin
  execute format('select last_value, is_called from %s', identity_sequence) into last, called;
  perform setval('trades_seq', last, called);
end
$$;
alter table trades alter column seq drop identity;

-- The key: a trade is (trade_id, ts). Built before the old key goes, as the new one's only index.
create unique index trades_default_pkey on trades (trade_id, ts);
alter table trades drop constraint trades_pkey;
alter table trades add constraint trades_default_pkey primary key using index trades_default_pkey;

alter index trades_symbol_ts_idx rename to trades_default_symbol_ts_idx;
alter index trades_xid_seq_idx rename to trades_default_xid_seq_idx;
alter table trades rename to trades_default;

-- Same columns and CHECK constraints (matched by name on attach) as the table it replaces.
create table trades (
  trade_id    text not null constraint trades_trade_id_check check (length(trade_id) between 1 and 128),
  seq         bigint not null default nextval('trades_seq'),
  symbol      text not null,
  price       numeric(28, 8) not null constraint trades_price_check check (price > 0),
  volume      numeric(28, 8) not null constraint trades_volume_check check (volume > 0),
  ts          timestamptz not null,
  source      text not null,
  message_id  text,
  ingested_at timestamptz not null default now(),
  xid         bigint default (pg_current_xact_id()::text::bigint),
  constraint trades_pkey primary key (trade_id, ts)
) partition by range (ts);
alter sequence trades_seq owned by trades.seq;

create index trades_symbol_ts_idx on trades (symbol, ts, seq) include (price, volume);
create index trades_xid_seq_idx on trades (xid, seq) where xid is not null;

alter table trades attach partition trades_default default;
