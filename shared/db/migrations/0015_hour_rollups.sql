-- One row per symbol and UTC hour that has trades, the minute rollups (migration 0011) one level up:
-- a day bucket sums 24 hour rows instead of 1,440 minute rows (shared/candles/aggregate-rollups.ts
-- reads a bucket's whole hours here, the whole minutes around them from minute_rollups, the partial
-- minutes at cut edges from the trades). Same columns, same exactness: open / close with the
-- (ts, seq) of their trades, high, low, Σ volume and Σ price·volume unrounded, trade_count.
-- persist keeps it in the statement that inserts the trades, beside the minute rollups
-- (shared/trades/write-trades.ts). rebuild_minute_rollups() rebuilds both levels: operators and
-- loaders keep calling the one name.
create table hour_rollups (
  symbol        text not null,
  hour          timestamptz not null,
  open          numeric(28, 8) not null,
  open_ts       timestamptz not null,
  open_seq      bigint not null,
  high          numeric(28, 8) not null,
  low           numeric(28, 8) not null,
  close         numeric(28, 8) not null,
  close_ts      timestamptz not null,
  close_seq     bigint not null,
  volume        numeric not null,
  price_volume  numeric not null,
  trade_count   integer not null check (trade_count > 0),
  primary key (symbol, hour),
  check (hour = date_bin('1 hour', hour, timestamptz '1970-01-05 00:00:00+00'))
);

-- The hour rollups of one symbol (every symbol when null) folded from its minute rollups: an hour's
-- open is its first minute's open (minutes do not overlap in time), its close its last minute's.
create function rebuild_hour_rollups(only_symbol text default null) returns bigint
language plpgsql
as $$
declare
  written bigint;
begin
  delete from hour_rollups where only_symbol is null or symbol = only_symbol;
  insert into hour_rollups (symbol, hour, open, open_ts, open_seq, high, low, close, close_ts,
                            close_seq, volume, price_volume, trade_count)
  select symbol, hour, first_minute[3], open_ts, first_minute[2]::bigint, high, low,
         last_minute[3], close_ts, last_minute[2]::bigint, volume, price_volume, trade_count
  from (
    select symbol, date_bin('1 hour', minute, timestamptz '1970-01-05 00:00:00+00') as hour,
           min(array[extract(epoch from open_ts), open_seq, open]) as first_minute,
           min(open_ts) as open_ts,
           max(array[extract(epoch from close_ts), close_seq, close]) as last_minute,
           max(close_ts) as close_ts,
           max(high) as high, min(low) as low, sum(volume) as volume,
           sum(price_volume) as price_volume, sum(trade_count)::int as trade_count
    from minute_rollups
    where only_symbol is null or symbol = only_symbol
    group by 1, 2
  ) per_hour;
  get diagnostics written = row_count;
  return written;
end
$$;

-- Migration 0011's function, now rebuilding the hours from the minutes it has just rebuilt. Still
-- returns the minute rows written, as before.
create or replace function rebuild_minute_rollups(only_symbol text default null) returns bigint
language plpgsql
as $$
declare
  written bigint;
begin
  delete from minute_rollups where only_symbol is null or symbol = only_symbol;
  insert into minute_rollups (symbol, minute, open, open_ts, open_seq, high, low, close, close_ts,
                              close_seq, volume, price_volume, trade_count)
  select symbol, minute, first_trade[3], open_ts, first_trade[2]::bigint, high, low, last_trade[3],
         close_ts, last_trade[2]::bigint, volume, price_volume, trade_count
  from (
    select symbol, date_bin('1 minute', ts, timestamptz '1970-01-05 00:00:00+00') as minute,
           min(array[extract(epoch from ts), seq, price]) as first_trade, min(ts) as open_ts,
           max(array[extract(epoch from ts), seq, price]) as last_trade, max(ts) as close_ts,
           max(price) as high, min(price) as low, sum(volume) as volume,
           sum(price * volume) as price_volume, count(*)::int as trade_count
    from trades
    where only_symbol is null or symbol = only_symbol
    group by 1, 2
  ) per_minute;
  get diagnostics written = row_count;
  perform rebuild_hour_rollups(only_symbol);
  return written;
end
$$;

select rebuild_hour_rollups();
