/**
 * Migration 0016 on cooldowns an earlier release claimed: a claim counted from the moment it was
 * taken; now it counts from its holder's first delivery, and a holder nobody received holds nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideAlert } from '../../shared/alerts/alert-decisions.queries.js';
import { loadMigrations, migrate } from '../../shared/db/migrate.js';
import { alertMessage } from '../support/alert-messages.js';
import { createEmptyTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createEmptyTestDatabase();
});
afterAll(() => db.drop());

describe('migration 0016 (cooldown claims count once delivered)', () => {
  it('dates each claim by its holder’s first delivery and frees those of holders never delivered', async () => {
    const migrations = await loadMigrations();
    await migrate(
      db.sql,
      migrations.filter((m) => m.version < '0016'),
    );
    // AAPL's holder reached the webhook 2 s after its claim (and e-mail later); MSFT's failed
    // every attempt; TSLA's never got as far as a channel.
    await db.sql`
      insert into alert_cooldowns (symbol, kind, anomaly_id, last_sent_at, suppressed_since)
      values ('AAPL', 'price_spike', 1, now() - interval '10 seconds', 4),
             ('MSFT', 'price_spike', 2, now() - interval '10 seconds', 0),
             ('TSLA', 'volume_spike', 3, now() - interval '10 seconds', 0)`;
    await db.sql`
      insert into alert_deliveries (anomaly_id, event, channel, attempts, lease_until, sent_at, last_error)
      values (1, 'detected', 'webhook', 1, now(), now() - interval '8 seconds', null),
             (1, 'detected', 'email', 2, now(), now() - interval '5 seconds', null),
             (2, 'detected', 'webhook', 3, now() - interval '1 second', null, 'webhook: answered HTTP 500')`;

    expect(await migrate(db.sql, migrations)).toContain('0016');
    const [firstSent] = await db.sql<{ at: Date }[]>`
      select sent_at as at from alert_deliveries where anomaly_id = 1 and channel = 'webhook'`;
    const claims = await db.sql`
      select symbol, anomaly_id::int as holder, last_sent_at, lease_until, suppressed_since
      from alert_cooldowns order by symbol`;
    expect(claims).toEqual([
      {
        symbol: 'AAPL',
        holder: 1,
        last_sent_at: firstSent?.at,
        lease_until: null,
        suppressed_since: 4,
      },
      { symbol: 'MSFT', holder: 2, last_sent_at: null, lease_until: null, suppressed_since: 0 },
      { symbol: 'TSLA', holder: 3, last_sent_at: null, lease_until: null, suppressed_since: 0 },
    ]);

    // AAPL's claim still holds its cooldown; MSFT's, whose holder nobody received, is free.
    const settings = { cooldownSeconds: 300, leaseSeconds: 60 };
    expect(await decideAlert(db.sql, alertMessage({ symbol: 'AAPL' }), settings)).toMatchObject({
      outcome: 'suppressed',
      heldBy: '1',
    });
    expect(await decideAlert(db.sql, alertMessage({ symbol: 'MSFT' }), settings)).toEqual({
      outcome: 'deliver',
    });
  });
});
