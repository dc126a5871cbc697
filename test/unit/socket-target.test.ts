import { describe, expect, it } from 'vitest';
import { socketTarget } from '../../shared/db/client.js';

describe('socketTarget (libpq Unix-socket convention in DATABASE_URL)', () => {
  it.each([
    [
      'postgres://app@/market_data?host=/cloudsql/p:europe-west1:db',
      { url: 'postgres://app@localhost/market_data', host: '/cloudsql/p:europe-west1:db' },
    ],
    [
      'postgres://app@/db?sslmode=disable&host=%2Fcloudsql%2Fp%3Ar%3Ai',
      { url: 'postgres://app@localhost/db?sslmode=disable', host: '/cloudsql/p:r:i' },
    ],
    [
      'postgres://app@/db?host=/tmp&application_name=x',
      { url: 'postgres://app@localhost/db?application_name=x', host: '/tmp' },
    ],
  ])('%s → a socket directory, taken out of the URL', (input, expected) => {
    expect(socketTarget(input)).toEqual(expected);
  });

  it.each([
    'postgres://u:p@db.internal:5432/db',
    'postgres://u:p@h/db?host=other-host',
    'postgres://u:p@h/db?application_name=host=/x',
  ])('%s is left as it is', (input) => {
    expect(socketTarget(input)).toEqual({ url: input });
  });
});
