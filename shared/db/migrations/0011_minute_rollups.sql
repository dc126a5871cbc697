-- One row per symbol and UTC minute that has trades: what every candle of one minute or longer is
-- aggregated from, so a day of 1m candles reads 1,440 rows instead of 864,000 trades
-- (shared/candles/aggregate-rollups.ts). Exact, as the trades are:
--   open / close  the price of the first / last trade by (ts, seq), with that trade's ts and seq, so
--                 a late trade that sorts before (after) them takes their place;
--   high, low     max and min price;
--   volume        Σ volume, price_volume Σ price·volume: numeric without typmod, nothing rounded
--                 (vwap is rounded once, from the sums of a whole bucket);
--   trade_count   how many trades.
-- persist keeps it in the statement that inserts the trades, from the rows actually inserted
-- (shared/trades/write-trades.ts), so a redelivered batch adds nothing and a late trade updates its
-- minute. Anything else that inserts trades (a bulk load, an operator's fix) must call
-- rebuild_minute_rollups() for the symbols it touched, or candles of a minute and longer will not
-- see those trades; as-of answers and sub-minute candles read the trades themselves.
--
-- No foreign key to symbols: like trades (migration 0004), a row per minute written by every batch
-- should not pay an index probe of another table; symbols are never deleted.
create table minute_rollups (
  symbol        text not null,
  minute        timestamptz not null,
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
  primary key (symbol, minute),
  check (minute = date_bin('1 minute', minute, timestamptz '1970-01-05 00:00:00+00'))
);

-- The rollups of one symbol (every symbol when null) computed again from its trades. Without a sort:
-- min/max of [epoch of ts, seq, price] pick the first and last trade by (ts, seq) in one pass.
-- Not meant to run beside persist writing the same symbol (a minute could be counted from a
-- snapshot that misses a batch persist commits meanwhile).
create function rebuild_minute_rollups(only_symbol text default null) returns bigint
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
  return written;
end
$$;

select rebuild_minute_rollups();
