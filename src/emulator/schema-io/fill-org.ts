/**
 * Fills an org loaded with `--schema` with records made from the describes alone (field-values.ts):
 * parents before children so that lookups point at records that exist, required fields always set,
 * through the record layer so that every write rule applies. Deterministic under the seed.
 * @example fillOrg(data, { seed: 's', counts: { Account: 100 }, userId, anchorMs })
 */
import { DmlError } from '../data/org-data.ts'
import { Prng } from '../data/generate/prng.ts'
import type { SqliteOrgData } from '../data/sqlite-org-data.ts'
import type { OrgSObjectSchema } from '../data/schema/sobject-schema.ts'
import { RecordPicker } from '../activity/record-picker.ts'
import { FieldValues } from './field-values.ts'

/** Records per object when `--records` does not say. */
export const DEFAULT_SCHEMA_RECORDS = 50

export interface FillOptions {
  readonly seed: string
  /** Counts by object name (any case); others get DEFAULT_SCHEMA_RECORDS. */
  readonly counts: Readonly<Record<string, number>>
  readonly userId: string
  /** Generated dates are spread around this time. */
  readonly anchorMs: number
}

function fillable(schema: OrgSObjectSchema): boolean {
  return schema.describe.createable === true && typeof schema.describe.keyPrefix === 'string'
}

/** Objects in an order where each one's lookups point at objects earlier in it, when cycles allow. */
export function parentFirst(schemas: readonly OrgSObjectSchema[]): OrgSObjectSchema[] {
  const byName = new Map(schemas.map((s) => [s.name, s]))
  const done = new Set<string>()
  const order: OrgSObjectSchema[] = []
  const visiting = new Set<string>()
  const visit = (s: OrgSObjectSchema): void => {
    if (done.has(s.name) || visiting.has(s.name)) return
    visiting.add(s.name)
    for (const f of s.describe.fields) {
      if (f.type !== 'reference') continue
      for (const t of (f.referenceTo ?? []) as string[]) {
        const parent = byName.get(t)
        if (parent && parent !== s) visit(parent)
      }
    }
    visiting.delete(s.name)
    done.add(s.name)
    order.push(s)
  }
  for (const s of schemas) visit(s)
  return order
}

/** Resolves requested counts against the org's objects; throws on an unknown name or a bad count. */
export function resolveSchemaCounts(
  data: SqliteOrgData,
  requested: Readonly<Record<string, number>>,
): Map<string, number> {
  const counts = new Map<string, number>()
  for (const s of data.schemas()) if (fillable(s)) counts.set(s.name, DEFAULT_SCHEMA_RECORDS)
  for (const [name, value] of Object.entries(requested)) {
    const schema = data.schema(name)
    if (!schema)
      throw new Error(
        `records: the schema has no object named '${name}'; it has ${data
          .schemas()
          .map((s) => s.name)
          .join(', ')}`,
      )
    if (!Number.isInteger(value) || value < 0)
      throw new Error(
        `records: the count for ${schema.name} must be a whole number >= 0, not ${String(value)}`,
      )
    if (value > 0 && !fillable(schema)) throw new Error(`records: ${schema.name} is not createable`)
    counts.set(schema.name, value)
  }
  return counts
}

/** Creates the records; returns how many per object were made (a record whose required lookup has no parent is skipped). */
export function fillOrg(data: SqliteOrgData, options: FillOptions): Record<string, number> {
  const counts = resolveSchemaCounts(data, options.counts)
  const picker = new RecordPicker(data.database)
  const values = new FieldValues(
    (targets, prng) => {
      const schemas = targets.map((t) => data.schema(t)).filter((s) => s !== undefined)
      return schemas.length === 0 ? undefined : picker.live(prng.pick(schemas), prng)
    },
    () => options.anchorMs,
  )
  const made: Record<string, number> = {}
  data.transaction(() => {
    for (const schema of parentFirst(data.schemas())) {
      const want = counts.get(schema.name) ?? 0
      const prng = new Prng(options.seed, `schema:${schema.name}`)
      let n = 0
      for (let i = 0; i < want; i++) {
        const fields = values.createValues(schema.describe.fields, prng, i + 1, 0.7)
        if (!fields) continue
        try {
          data.create(schema.name, fields, { userId: options.userId })
          n++
        } catch (err) {
          // A unique value drawn twice, a lookup filter: the record is skipped, the others still made.
          if (!(err instanceof DmlError)) throw err
        }
      }
      made[schema.name] = n
    }
  })
  return made
}
