/**
 * SQL functions the compiled queries call, registered once per database handle:
 * `soql_includes(value, groupsJson)` for INCLUDES/EXCLUDES and `soql_picklist_equals(value, literal)`
 * for `=` on a multipicklist (the same values in any order), `soql_fold` and `soql_like` for
 * case-insensitive comparisons beyond ASCII.
 */
import type { DatabaseSync } from 'node:sqlite'
import { fold, splitPicklist } from './soql-where.ts'

const registered = new WeakSet<DatabaseSync>()

/** Registers the engine's SQL functions on `db` (idempotent). */
export function registerSqlFunctions(db: DatabaseSync): void {
  if (registered.has(db)) return
  let lastJson = ''
  let lastGroups: string[][] = []
  db.function('soql_includes', { deterministic: true }, (value, groupsJson) => {
    if (typeof value !== 'string' || typeof groupsJson !== 'string') return 0
    if (groupsJson !== lastJson) {
      lastGroups = JSON.parse(groupsJson) as string[][]
      lastJson = groupsJson
    }
    const values = new Set(splitPicklist(value))
    // INCLUDES ('a;b', 'c'): the field holds both a and b, or holds c.
    return lastGroups.some((group) => group.length > 0 && group.every((v) => values.has(v))) ? 1 : 0
  })
  db.function('soql_picklist_equals', { deterministic: true }, (value, literal) => {
    if (typeof value !== 'string' || typeof literal !== 'string') return null
    const a = new Set(splitPicklist(value))
    const b = new Set(splitPicklist(literal))
    return a.size === b.size && [...a].every((v) => b.has(v)) ? 1 : 0
  })
  db.function('soql_fold', { deterministic: true }, (value) =>
    typeof value === 'string' ? fold(value) : null,
  )
  const patterns = new Map<string, RegExp>()
  db.function('soql_like', { deterministic: true }, (value, source) => {
    if (typeof value !== 'string' || typeof source !== 'string') return null
    let re = patterns.get(source)
    if (!re) {
      if (patterns.size > 100) patterns.clear()
      re = new RegExp(source, 'is')
      patterns.set(source, re)
    }
    return re.test(value) ? 1 : 0
  })
  registered.add(db)
}
