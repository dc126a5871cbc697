-- The foreign key from trades to symbols checked each inserted row with a locking lookup
-- (SELECT ... FOR KEY SHARE): about a quarter of a 1,000-trade write (docs/benchmarks.md). persist's
-- write statement already refuses a batch naming an unknown symbol, in the same statement and
-- snapshot as the insert, so the key only guarded against a symbol being deleted afterwards.
-- Symbols are never deleted (DELETE /symbols deactivates), and this trigger makes that a rule the
-- database enforces, so every trade keeps its symbol without the per-row check.
alter table trades drop constraint trades_symbol_fkey;

create function refuse_symbol_delete() returns trigger
language plpgsql as $$
begin
  raise exception 'symbol % has trades and is never deleted; deactivate it instead', old.symbol
    using errcode = 'restrict_violation';
end
$$;

create trigger symbols_are_never_deleted
before delete on symbols
for each row execute function refuse_symbol_delete();
