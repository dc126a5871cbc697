-- seq comes only from its identity sequence (generated always), so its values are unique without
-- an index to say so, and nothing looks a trade up by seq alone: ordering and the /trades cursor
-- use (symbol, ts, seq) from trades_symbol_ts_idx. The unique index on seq was a third b-tree to
-- update for every trade stored, ~10% of a 1,000-trade insert (docs/benchmarks.md).
alter table trades drop constraint trades_seq_key;
