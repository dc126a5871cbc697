import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/config/config-error.js';
import { loadConfig, requireDatabaseUrl } from '../../shared/config/config.js';
import { loadLocalStackConfig } from '../../shared/config/local-stack-config.js';

describe('loadConfig', () => {
  it('has working defaults for local use', () => {
    const config = loadConfig({});
    expect(config.GOOGLE_CLOUD_PROJECT).toBe('local');
    expect(config.PUBSUB_TOPIC).toBe('trades');
    expect(config.INGESTION_INTERVAL_SECONDS).toBe(3);
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.DEFAULT_SYMBOLS.map((s) => s.symbol)).toEqual([
      'AAPL',
      'GOOGL',
      'MSFT',
      'TSLA',
      'AMZN',
    ]);
    expect(config.DEFAULT_SYMBOLS[0]?.name).toBe('Apple Inc.');
  });

  it('parses DEFAULT_SYMBOLS as SYMBOL:Name pairs, upper-casing symbols', () => {
    const config = loadConfig({ DEFAULT_SYMBOLS: 'btc-usd:Bitcoin, eth-usd:Ether' });
    expect(config.DEFAULT_SYMBOLS).toEqual([
      { symbol: 'BTC-USD', name: 'Bitcoin' },
      { symbol: 'ETH-USD', name: 'Ether' },
    ]);
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ INGESTION_INTERVAL_SECONDS: '' }).INGESTION_INTERVAL_SECONDS).toBe(3);
  });

  it.each([
    ['INGESTION_INTERVAL_SECONDS', 'soon'],
    ['INGESTION_INTERVAL_SECONDS', '0'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_URL', 'mysql://x'],
    ['PUBSUB_TOPIC', 'ab'],
    ['PUBSUB_EMULATOR_HOST', 'http://localhost'],
    ['DEFAULT_SYMBOLS', 'AAPL:Apple,AAPL:Again'],
    ['DEFAULT_SYMBOLS', 'NOT A SYMBOL:x'],
    ['DB_POOL_MAX', '-1'],
    ['REQUIRE_API_KEY', 'yes'],
    ['REQUIRE_API_KEY', 'TRUE'],
    ['CORS_ALLOWED_ORIGINS', 'app.example.com'],
    ['CORS_ALLOWED_ORIGINS', 'https://app.example.com/'],
    ['CORS_ALLOWED_ORIGINS', 'https://app.example.com/path'],
    ['CORS_ALLOWED_ORIGINS', 'ftp://files.example.com'],
    ['CORS_ALLOWED_ORIGINS', 'https://a.example,*'],
  ])('stops on a bad %s (%j) with a message naming it', (variable, value) => {
    const attempt = () => loadConfig({ [variable]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(variable);
  });

  it('keeps the api open to reads and closed to other origins by default', () => {
    const config = loadConfig({});
    expect(config.REQUIRE_API_KEY).toBe(false);
    expect(config.CORS_ALLOWED_ORIGINS).toEqual([]);
    expect(loadConfig({ REQUIRE_API_KEY: 'true' }).REQUIRE_API_KEY).toBe(true);
    expect(loadConfig({ REQUIRE_API_KEY: 'false' }).REQUIRE_API_KEY).toBe(false);
  });

  it('parses CORS_ALLOWED_ORIGINS as comma-separated origins, or * alone', () => {
    expect(
      loadConfig({ CORS_ALLOWED_ORIGINS: 'https://app.example.com, http://localhost:3000' })
        .CORS_ALLOWED_ORIGINS,
    ).toEqual(['https://app.example.com', 'http://localhost:3000']);
    expect(loadConfig({ CORS_ALLOWED_ORIGINS: ' * ' }).CORS_ALLOWED_ORIGINS).toEqual(['*']);
  });

  it('requires DATABASE_URL where a function needs the database', () => {
    expect(() => requireDatabaseUrl(loadConfig({}))).toThrow(/DATABASE_URL/);
    expect(requireDatabaseUrl(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }))).toBe(
      'postgres://u@h/db',
    );
  });

  it('validates the local stack variables too', () => {
    expect(loadLocalStackConfig({}).ports).toEqual({
      api: 8080,
      ingest: 8081,
      persist: 8082,
      'deliver-alerts': 8083,
      monitor: 8084,
    });
    expect(() => loadLocalStackConfig({ API_PORT: '99999' })).toThrow(/API_PORT/);
    // A function's name may hold a hyphen; its variable's name an underscore instead.
    expect(loadLocalStackConfig({ DELIVER_ALERTS_PORT: '9083' }).ports['deliver-alerts']).toBe(
      9083,
    );
    expect(() => loadLocalStackConfig({ DELIVER_ALERTS_PORT: 'x' })).toThrow(/DELIVER_ALERTS_PORT/);
  });
});
