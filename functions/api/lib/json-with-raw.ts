/**
 * The JSON text of `{...before, [key]: <raw>, ...after}` where `raw` is already JSON text (a list
 * rendered by PostgreSQL or by a serializer of its own): the same text JSON.stringify would give
 * for the parsed value, without parsing and serializing the list again.
 *
 * @example jsonWithRaw({ count: 2 }, 'values', '[1,2]', { next: null }) // '{"count":2,"values":[1,2],"next":null}'
 */
export function jsonWithRaw(
  before: Record<string, unknown>,
  key: string,
  raw: string,
  after: Record<string, unknown>,
): string {
  const head = JSON.stringify(before).slice(0, -1);
  const tail = JSON.stringify(after).slice(1);
  return `${head}${head === '{' ? '' : ','}${JSON.stringify(key)}:${raw}${tail === '}' ? '' : ','}${tail}`;
}
