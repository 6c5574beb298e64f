/**
 * SOQL text for the engine, and the split of wide objects into several REST queries that each stay
 * under the 16,384-byte URI limit (reference §6; field-notes pain point 9, "URI Too Long").
 */
import { SfsyncError } from '../config/sfsync-error.ts'

/** The URI + headers limit of a REST GET (reference §6). */
export const MAX_URI_BYTES = 16_384
/** Room kept for the host, path and headers (Estuary keeps 2,500 bytes; we do the same). */
export const URI_MARGIN_BYTES = 2_500

/** A SOQL datetime literal: ISO UTC with milliseconds, `2024-01-02T03:04:05.000Z` (reference §3.2). */
export function soqlDatetime(ms: number): string {
  return new Date(ms).toISOString()
}

/** Ids per `WHERE Id IN (...)` query: 200 × 21 bytes encoded stays far under the URI limit. */
export const IDS_PER_QUERY = 200

/** What a Salesforce Id looks like; anything else never reaches a SOQL literal. */
const SALESFORCE_ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/

/**
 * `Id IN ('…', '…')` for Ids the org returned (at most {@link IDS_PER_QUERY}); throws on anything that
 * is not a Salesforce Id, so no data reaches the query text unchecked.
 */
export function idInWhere(object: string, ids: readonly string[]): string {
  if (ids.some((id) => !SALESFORCE_ID.test(id)))
    throw new SfsyncError('SYNC_FAILED', `The org returned a malformed Id for ${object}.`)
  return `Id IN (${ids.map((id) => `'${id}'`).join(', ')})`
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
