/** Thrown when an environment variable is missing or invalid; names the variable so start-up fails clearly. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  /**
   * @param variable the environment variable at fault
   * @param problem what is wrong with it, e.g. `must be host:port (got "localhost")`
   * @param example a value it would accept, for a message that says how to set it
   */
  constructor(
    readonly variable: string,
    readonly problem: string,
    readonly example?: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
  }
}
