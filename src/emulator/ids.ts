/**
 * Salesforce record ids: 15 case-sensitive base-62 characters (3-character key prefix, 2-character
 * pod/instance, 10-character counter) plus a 3-character suffix that makes the id case-insensitive-safe.
 * The suffix algorithm is the widely documented one (reference/salesforce-data-api.md §1.2, marked
 * UNCONFIRMED there): for each 5-character chunk set bit i when character i is A-Z, then map 0-25 to
 * A-Z and 26-31 to 0-5.
 */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345'

/** The 3-character checksum suffix of a 15-character id. */
export function idSuffix(id15: string): string {
  let out = ''
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i)
      if (c >= 65 && c <= 90) bits |= 1 << i
    }
    out += SUFFIX[bits]
  }
  return out
}

/** Turns a 15-character id into its 18-character form; an 18-character id is returned unchanged. */
export function to18(id: string): string {
  if (id.length === 18) return id
  if (id.length !== 15) throw new Error(`not a Salesforce id: ${id.length} characters`)
  return id + idSuffix(id)
}

/** True when `id` is a well-formed 15- or 18-character id (with a matching suffix when 18). */
export function isValidId(id: string): boolean {
  if (id.length !== 15 && id.length !== 18) return false
  for (let i = 0; i < 15; i++) if (!BASE62.includes(id[i] ?? '')) return false
  if (id.length === 18) return id.slice(15).toUpperCase() === idSuffix(id.slice(0, 15))
  return true
}

/**
 * Normalises a 15- or 18-character id to its canonical 18-character form (the suffix written in upper
 * case, as Salesforce returns it), or returns undefined when `id` is not an id.
 */
export function normalizeId(id: string): string | undefined {
  if (!isValidId(id)) return undefined
  return to18(id.slice(0, 15))
}

/**
 * Builds the 18-character id of the `n`th record with `keyPrefix`. `pod` is the 2-character instance
 * segment (e.g. '5e'); the counter is the remaining 10 base-62 characters.
 * @example makeId('001', '5e', 1) // '0015e00000000001AAA'-like
 */
export function makeId(keyPrefix: string, pod: string, n: number): string {
  if (keyPrefix.length !== 3 || pod.length !== 2) throw new Error('keyPrefix must be 3 and pod 2 characters')
  let counter = ''
  let v = n
  for (let i = 0; i < 10; i++) {
    counter = BASE62[v % 62] + counter
    v = Math.floor(v / 62)
  }
  return to18(keyPrefix + pod + counter)
}
