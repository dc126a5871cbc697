-- API keys (`npm run keys`). Only a SHA-256 hash of each key is stored: the key itself is shown
-- once, when it is created. A key is 256 random bits, so its hash cannot be reversed by guessing,
-- and a fast hash costs the api nothing per request (shared/auth/api-key.ts says more).
-- Depends on nothing but itself, so it applies whether or not other migrations came before it.
create table api_keys (
  id         bigint generated always as identity primary key,
  name       text not null check (name ~ '^[A-Za-z][A-Za-z0-9 ._@-]{0,99}$'),
  role       text not null check (role in ('admin', 'read')),
  -- The key's first characters: not secret, shown by `keys list`, used to find the row.
  prefix     text not null check (length(prefix) between 8 and 32),
  key_hash   bytea not null unique check (length(key_hash) = 32),
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);

-- Names identify keys for `keys revoke <name>`: unique among the keys still in force, so a
-- revoked key's name can be reused.
create unique index api_keys_active_name_idx on api_keys (name) where revoked_at is null;
create index api_keys_active_prefix_idx on api_keys (prefix) where revoked_at is null;
