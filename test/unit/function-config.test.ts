import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/config/config-error.js';
import { loadConfig } from '../../shared/config/config.js';
import {
  API_DEFAULTS,
  loadApiConfig,
  loadIngestConfig,
  loadMonitorConfig,
  loadPersistConfig,
} from '../../shared/config/function-config.js';
import { loadLocalStackConfig, portVariable } from '../../shared/config/local-stack-config.js';
import { loadProvisionConfig } from '../../shared/config/provision-config.js';
import { loadRuntimeConfig } from '../../shared/config/runtime-config.js';
import { FUNCTION_NAMES } from '../../shared/function-names.js';

/** What provisioning needs besides the variable under test. */
const provisionEnv = {
  GOOGLE_CLOUD_PROJECT: 'my-project',
  GOOGLE_CLOUD_PROJECT_NUMBER: '123456789012',
  GOOGLE_CLOUD_REGION: 'europe-west1',
  INGEST_URL: 'https://europe-west1-my-project.cloudfunctions.net/ingest',
  MONITOR_URL: 'https://europe-west1-my-project.cloudfunctions.net/monitor',
  SCHEDULER_SERVICE_ACCOUNT: 'mdp-scheduler@my-project.iam.gserviceaccount.com',
};

const accepts = (load: () => unknown) => {
  try {
    load();
    return true;
  } catch (error) {
    if (error instanceof ConfigError) return false;
    throw error;
  }
};

describe('each function reads only its own variables', () => {
  it('persist and ingest ignore a bad REQUIRE_API_KEY; the api stops on it, naming it', () => {
    const env = { REQUIRE_API_KEY: 'yes' };
    expect(loadPersistConfig(env).LOG_LEVEL).toBe('info');
    expect(loadIngestConfig(env).PUBSUB_TOPIC).toBe('trades');
    expect(() => loadApiConfig(env)).toThrow(ConfigError);
    expect(() => loadApiConfig(env)).toThrow(/REQUIRE_API_KEY must be true or false/);
  });

  it('the api and persist ignore a bad PUBSUB_TOPIC; ingest stops on it', () => {
    const env = { PUBSUB_TOPIC: 'ab' };
    expect(loadApiConfig(env).REQUIRE_API_KEY).toBe(false);
    expect(loadPersistConfig(env).DB_POOL_MAX).toBe(5);
    expect(() => loadIngestConfig(env)).toThrow(/PUBSUB_TOPIC/);
  });

  it('every function stops on a bad database or logging variable', () => {
    for (const load of [loadApiConfig, loadIngestConfig, loadPersistConfig]) {
      expect(() => load({ DB_POOL_MAX: '0' })).toThrow(/DB_POOL_MAX/);
      expect(() => load({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    }
  });

  it('the api reads the ingestion interval, by which it judges staleness', () => {
    expect(loadApiConfig({ INGESTION_INTERVAL_SECONDS: '10' }).INGESTION_INTERVAL_SECONDS).toBe(10);
    expect(() => loadApiConfig({ INGESTION_INTERVAL_SECONDS: '0' })).toThrow(
      /INGESTION_INTERVAL_SECONDS/,
    );
  });

  it('the api reads the rules’ default thresholds as persist and the monitor do, and not their other settings', () => {
    const thresholds = [
      'ALERT_PRICE_SPIKE_PERCENT',
      'ALERT_VOLUME_SPIKE_RATIO',
      'ALERT_RSI_HIGH',
      'ALERT_RSI_LOW',
      'ALERT_INGEST_LAG_SECONDS',
      'ALERT_STALE_AFTER_INTERVALS',
    ] as const;
    const env = {
      ALERT_PRICE_SPIKE_PERCENT: '2.5',
      ALERT_VOLUME_SPIKE_RATIO: '4',
      ALERT_RSI_HIGH: '80',
      ALERT_RSI_LOW: '20',
      ALERT_INGEST_LAG_SECONDS: '45',
      ALERT_STALE_AFTER_INTERVALS: '6',
    };
    const pick = (config: Record<string, unknown>) =>
      Object.fromEntries(thresholds.map((name) => [name, config[name]]));
    for (const source of [{}, env]) {
      expect(pick(loadApiConfig(source))).toEqual(pick(loadPersistConfig(source)));
      expect(pick(loadApiConfig(source))).toEqual(pick(loadMonitorConfig(source)));
    }
    expect(pick(loadApiConfig(env))).toEqual({
      ALERT_PRICE_SPIKE_PERCENT: 2.5,
      ALERT_VOLUME_SPIKE_RATIO: 4,
      ALERT_RSI_HIGH: 80,
      ALERT_RSI_LOW: 20,
      ALERT_INGEST_LAG_SECONDS: 45,
      ALERT_STALE_AFTER_INTERVALS: 6,
    });
    // The same rule stops both on a bad value, naming it.
    for (const load of [loadApiConfig, loadPersistConfig])
      expect(() => load({ ALERT_RSI_HIGH: '101' })).toThrow(
        /ALERT_RSI_HIGH must be a number between 50 and 100/,
      );
    // What only detection uses (the RSI period and intervals, the topic) the api ignores.
    expect(loadApiConfig({ ALERT_RSI_INTERVALS: 'often', ALERTS_TOPIC: 'x' }).LOG_LEVEL).toBe(
      'info',
    );
  });

  it('ALERT_RSI_INTERVALS: a list, none by name, and empty as unset (the default 1m)', () => {
    const names = (value: string) =>
      loadConfig({ ALERT_RSI_INTERVALS: value }).ALERT_RSI_INTERVALS.map((i) => i.name);
    expect(names('1m, 5m')).toEqual(['1m', '5m']);
    expect(names('none')).toEqual([]);
    expect(names('None ')).toEqual([]);
    expect(names('')).toEqual(['1m']);
    expect(() => names('1m,none')).toThrow(/ALERT_RSI_INTERVALS "none" stands alone/);
  });

  it('each function has the same defaults as the whole configuration', () => {
    const all = loadConfig({});
    expect(all).toMatchObject(loadApiConfig({}));
    expect(all).toMatchObject(loadIngestConfig({}));
    expect(all).toMatchObject(loadPersistConfig({}));
  });
});

describe('API_HEALTH_TIMEOUT_MS', () => {
  it('defaults to 1500 ms and accepts 100 to 60000', () => {
    expect(loadApiConfig({}).API_HEALTH_TIMEOUT_MS).toBe(1_500);
    expect(loadApiConfig({ API_HEALTH_TIMEOUT_MS: '100' }).API_HEALTH_TIMEOUT_MS).toBe(100);
    expect(loadApiConfig({ API_HEALTH_TIMEOUT_MS: '60000' }).API_HEALTH_TIMEOUT_MS).toBe(60_000);
    for (const value of ['99', '60001', '1.5', 'soon'])
      expect(() => loadApiConfig({ API_HEALTH_TIMEOUT_MS: value })).toThrow(
        /API_HEALTH_TIMEOUT_MS/,
      );
  });
});

describe('TRADES_RETENTION_DAYS', () => {
  it('is unset (keep every trade) by default or empty, a number of days from 1, read by ingest', () => {
    expect(loadIngestConfig({}).TRADES_RETENTION_DAYS).toBeUndefined();
    expect(loadIngestConfig({ TRADES_RETENTION_DAYS: '' }).TRADES_RETENTION_DAYS).toBeUndefined();
    expect(loadIngestConfig({ TRADES_RETENTION_DAYS: '90' }).TRADES_RETENTION_DAYS).toBe(90);
    for (const bad of ['0', '-1', '1.5', 'forever'])
      expect(() => loadIngestConfig({ TRADES_RETENTION_DAYS: bad })).toThrow(
        /TRADES_RETENTION_DAYS must be a whole number from 1 to 36500/,
      );
    // Only ingest runs the maintenance: the others start whatever it says.
    expect(loadPersistConfig({ TRADES_RETENTION_DAYS: 'forever' }).LOG_LEVEL).toBe('info');
  });
});

describe('API_DEFAULTS', () => {
  it('is the api configuration of an empty environment', () => {
    expect(API_DEFAULTS).toEqual(loadApiConfig({}));
    expect(API_DEFAULTS).toMatchObject({
      API_BODY_LIMIT_BYTES: 1024 * 1024,
      API_HEALTH_TIMEOUT_MS: 1_500,
      INGESTION_INTERVAL_SECONDS: 3,
      REQUIRE_API_KEY: false,
      CORS_ALLOWED_ORIGINS: [],
    });
    expect(Object.isFrozen(API_DEFAULTS)).toBe(true);
  });
});

describe('rules shared by the functions and provisioning', () => {
  it.each([
    ['my-project', true],
    ['local', true],
    ['abcdef', true],
    ['a'.repeat(30), true],
    ['a'.repeat(31), false],
    ['abcde', false],
    ['loc', false],
    ['My-project', false],
    ['1-project', false],
    ['my-project-', false],
    ['my_project', false],
  ])('the project id %j: accepted %s by both', (value, valid) => {
    expect(accepts(() => loadIngestConfig({ GOOGLE_CLOUD_PROJECT: value }))).toBe(valid);
    expect(accepts(() => loadConfig({ GOOGLE_CLOUD_PROJECT: value }))).toBe(valid);
    expect(
      accepts(() => loadProvisionConfig({ ...provisionEnv, GOOGLE_CLOUD_PROJECT: value })),
    ).toBe(valid);
  });

  it.each([
    ['PUBSUB_TOPIC', 'trades', true],
    ['PUBSUB_TOPIC', 'ab', false],
    ['PUBSUB_TOPIC', 'goog-trades', false],
    ['PUBSUB_TOPIC', '1trades', false],
    ['PUBSUB_EMULATOR_HOST', 'localhost:8085', true],
    ['PUBSUB_EMULATOR_HOST', 'http://localhost:8085', false],
  ])('%s=%j: accepted %s by both', (variable, value, valid) => {
    expect(accepts(() => loadIngestConfig({ [variable]: value }))).toBe(valid);
    expect(accepts(() => loadProvisionConfig({ ...provisionEnv, [variable]: value }))).toBe(valid);
  });
});

describe('configuration errors', () => {
  it('say a required variable is missing, what it must be, and a value that would do', () => {
    const error = (() => {
      try {
        loadProvisionConfig({ ...provisionEnv, GOOGLE_CLOUD_PROJECT: undefined });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ variable: 'GOOGLE_CLOUD_PROJECT', example: 'my-project' });
    expect((error as ConfigError).problem).toMatch(
      /^is required: must be a project id.*\(got nothing\)$/,
    );
  });

  it('suggest the default of a variable that has one', () => {
    expect(() => loadPersistConfig({ DB_POOL_MAX: 'many' })).toThrow(
      expect.objectContaining({ variable: 'DB_POOL_MAX', example: '5' }),
    );
  });
});

describe('runtime variables', () => {
  it('PORT defaults to 8080; FUNCTION_TARGET is optional', () => {
    expect(loadRuntimeConfig({})).toEqual({ PORT: 8080 });
    expect(loadRuntimeConfig({ PORT: '9000', FUNCTION_TARGET: 'api' })).toEqual({
      PORT: 9000,
      FUNCTION_TARGET: 'api',
    });
    expect(() => loadRuntimeConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  });
});

describe('local stack ports', () => {
  it('are one <NAME>_PORT per function, 8080 plus its place in the list', () => {
    const ports = loadLocalStackConfig({}).ports;
    expect(Object.keys(ports)).toEqual([...FUNCTION_NAMES]);
    FUNCTION_NAMES.forEach((name, index) => {
      expect(ports[name]).toBe(8080 + index);
      expect(loadLocalStackConfig({ [portVariable(name)]: '9999' }).ports[name]).toBe(9999);
    });
  });
});
