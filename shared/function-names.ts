/**
 * The platform's functions, named once. By convention `functions/<name>/index.ts` registers the
 * function `<name>` with the Functions Framework, so the entry module of each is found from its
 * name: the deployed entry point, the local stack, the local ports (`<NAME>_PORT`, 8080 plus the
 * position in this list) and the Cloud Build steps that loop over the functions all read this list.
 *
 * Adding a function: its folder, its name here, and its deploy step in cloudbuild.yaml.
 */
export const FUNCTION_NAMES = ['api', 'ingest', 'persist', 'deliver-alerts', 'monitor'] as const;

/** One of the platform's functions. */
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** Whether `value` names one of the platform's functions (FUNCTION_TARGET, a CLI argument). */
export function isFunctionName(value: string): value is FunctionName {
  return (FUNCTION_NAMES as readonly string[]).includes(value);
}

/**
 * A record with one entry per function, in list order.
 *
 * @example byFunction((name, index) => 8080 + index) // { api: 8080, ingest: 8081, persist: 8082, ... }
 */
export function byFunction<T>(
  value: (name: FunctionName, index: number) => T,
): Record<FunctionName, T> {
  // Object.fromEntries cannot know its keys are exactly the list; the map over the list makes them so.
  return Object.fromEntries(
    FUNCTION_NAMES.map((name, index) => [name, value(name, index)]),
  ) as Record<FunctionName, T>;
}
