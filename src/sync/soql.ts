/**
 * SOQL text for the engine, and the split of wide objects into several REST queries that each stay
 * under the 16,384-byte URI limit (reference §6; field-notes pain point 9, "URI Too Long").
 */

/** The URI + headers limit of a REST GET (reference §6). */
export const MAX_URI_BYTES = 16_384
/** Room kept for the host, path and headers (Estuary keeps 2,500 bytes; we do the same). */
export const URI_MARGIN_BYTES = 2_500

/** A SOQL datetime literal: ISO UTC with milliseconds, `2024-01-02T03:04:05.000Z` (reference §3.2). */
export function soqlDatetime(ms: number): string {
  return new Date(ms).toISOString()
}

/** `SELECT a, b FROM X [WHERE …]`. Field and object names come from describe, never from data. */
export function selectSoql(object: string, fields: readonly string[], where?: string): string {
  return `SELECT ${fields.join(', ')} FROM ${object}${where ? ` WHERE ${where}` : ''}`
}

/**
 * Splits `fields` (Id first) into groups whose query, URL-encoded under `pathPrefix`, stays under the
 * URI budget. Every group starts with the fields in `always` (Id, and whatever ties the groups
 * together); the first group also carries `first` (the cursor, IsDeleted).
 */
export function splitForUri(
  object: string,
  fields: readonly string[],
  where: string | undefined,
  options: { pathPrefixBytes: number; always: readonly string[]; budgetBytes?: number },
): string[][] {
  const budget = (options.budgetBytes ?? MAX_URI_BYTES - URI_MARGIN_BYTES) - options.pathPrefixBytes
  const encodedLength = (list: readonly string[]) =>
    encodeURIComponent(selectSoql(object, list, where)).length
  const rest = fields.filter((f) => !options.always.includes(f))
  const groups: string[][] = []
  let current = [...options.always]
  for (const f of rest) {
    const next = [...current, f]
    if (encodedLength(next) > budget && current.length > options.always.length) {
      groups.push(current)
      current = [...options.always, f]
    } else current = next
  }
  groups.push(current)
  return groups
}
