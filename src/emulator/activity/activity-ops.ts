/**
 * The kinds of change the live activity makes, each as one emulated transaction through the record
 * layer (so that every rule, cascade and change event applies): inserts, updates (often of lookups and
 * picklists), deletes, undeletes, purges, bursts of changes on one object, and formula-only changes.
 */
import { DmlError, type DescribeField, type RecordFields, type WriteContext } from '../data/org-data.ts'
import type { Prng } from '../data/generate/prng.ts'
import type { SqliteOrgData } from '../data/sqlite-org-data.ts'
import type { OrgSObjectSchema } from '../data/schema/sobject-schema.ts'
import type { FieldValues } from '../schema-io/field-values.ts'
import { isWritable } from '../schema-io/field-values.ts'
import type { RecordPicker } from './record-picker.ts'

export const ACTIVITY_KINDS = ['insert', 'update', 'delete', 'undelete', 'purge', 'burst', 'formula'] as const
export type ActivityKind = (typeof ACTIVITY_KINDS)[number]

/** What one kind of change needs. */
export interface OpContext {
  readonly data: SqliteOrgData
  readonly picker: RecordPicker
  readonly values: FieldValues
  readonly writer: WriteContext
  /** The emulated time the transaction is stamped with (records picked must not be newer). */
  readonly stampMs: number
  /** Records a burst changes. */
  readonly burstSize: number
  /** A number unique to this change, for unique text values. */
  readonly n: number
}

/** Thrown when a kind has nothing to work on (no deleted record to undelete, ...): another is tried. */
export class NothingToDo extends Error {}

function requireId(id: string | undefined): string {
  if (id === undefined) throw new NothingToDo('no record to change')
  return id
}

/** Inserts one record; returns its id. */
export function insertRecord(ctx: OpContext, schema: OrgSObjectSchema, prng: Prng, n = ctx.n): string {
  const values = ctx.values.createValues(schema.describe.fields, prng, n, 0.5)
  if (!values) throw new NothingToDo(`no parent record for a required lookup of ${schema.name}`)
  return ctx.data.create(schema.name, values, ctx.writer)
}

/** Lookups and picklists are what a sync most often gets wrong: they are chosen half the time. */
function updateFields(schema: OrgSObjectSchema, prng: Prng): DescribeField[] {
  const writable = schema.describe.fields.filter((f) => isWritable(f, 'update'))
  if (writable.length === 0) return []
  const preferred = writable.filter((f) => f.type === 'reference' || f.type === 'picklist')
  const chosen = new Set<DescribeField>()
  const count = prng.int(1, 3)
  for (let i = 0; i < count; i++) {
    const pool = preferred.length > 0 && prng.chance(0.5) ? preferred : writable
    chosen.add(prng.pick(pool))
  }
  return [...chosen]
}

/** Updates 1–3 fields of one live record; returns its id. */
export function updateRecord(ctx: OpContext, schema: OrgSObjectSchema, prng: Prng, n = ctx.n): string {
  const id = requireId(ctx.picker.live(schema, prng, ctx.stampMs))
  const fields: RecordFields = {}
  for (const f of updateFields(schema, prng)) {
    const v = ctx.values.value(f, prng, n)
    // A nillable field is sometimes cleared: syncs must carry nulls too.
    if (v === undefined || (f.nillable === true && prng.chance(0.1))) {
      if (f.nillable === true) fields[f.name] = null
      continue
    }
    fields[f.name] = v
  }
  if (Object.keys(fields).length === 0) throw new NothingToDo(`nothing to update on ${schema.name}`)
  ctx.data.update(schema.name, id, fields, ctx.writer)
  return id
}

export function deleteRecord(ctx: OpContext, schema: OrgSObjectSchema, prng: Prng): string {
  const id = requireId(ctx.picker.live(schema, prng, ctx.stampMs))
  ctx.data.delete(schema.name, id, ctx.writer)
  return id
}

export function undeleteRecord(ctx: OpContext, schema: OrgSObjectSchema, prng: Prng): string {
  const id = requireId(ctx.picker.deleted(schema, prng))
  ctx.data.undelete(schema.name, id, ctx.writer)
  return id
}

/** Purges a record from the recycle bin; when the bin is empty, hard-deletes a live one. */
export function purgeRecord(ctx: OpContext, schema: OrgSObjectSchema, prng: Prng): string {
  const id = ctx.picker.deleted(schema, prng) ?? requireId(ctx.picker.live(schema, prng, ctx.stampMs))
  ctx.data.purge(schema.name, id)
  return id
}

/** A burst: `burstSize` inserts and updates on one object in one transaction (one shared timestamp). */
export function burst(ctx: OpContext, schema: OrgSObjectSchema, prng: Prng): string {
  let last = ''
  for (let i = 0; i < ctx.burstSize; i++) {
    const n = ctx.n * 1000 + i
    try {
      last = prng.chance(0.3) ? insertRecord(ctx, schema, prng, n) : updateRecord(ctx, schema, prng, n)
    } catch (err) {
      // One refused write does not end the burst; a DmlError inside a transaction leaves no trace.
      if (!(err instanceof NothingToDo) && !(err instanceof DmlError)) throw err
    }
  }
  if (last === '') throw new NothingToDo(`burst on ${schema.name} changed nothing`)
  return last
}

/** Changes a formula (calculated) field alone: SystemModstamp stays, as Salesforce's formulas do. */
export function formulaChange(ctx: OpContext, schema: OrgSObjectSchema, prng: Prng): string {
  const formulas = schema.describe.fields.filter(
    (f) => f.calculated === true && f.type !== 'address' && f.type !== 'location' && f.type !== 'base64',
  )
  if (formulas.length === 0) throw new NothingToDo(`${schema.name} has no formula field`)
  const field = prng.pick(formulas)
  const id = requireId(ctx.picker.live(schema, prng))
  const value = ctx.values.value(
    { ...field, type: field.type === 'reference' ? 'string' : field.type },
    prng,
    ctx.n,
  )
  if (value === undefined) throw new NothingToDo(`no value for ${schema.name}.${field.name}`)
  ctx.data.setFormulaValues(schema.name, id, { [field.name]: value })
  return id
}

/** Runs one change of `kind` on `schema`. */
export function runOp(kind: ActivityKind, ctx: OpContext, schema: OrgSObjectSchema, prng: Prng): string {
  switch (kind) {
    case 'insert':
      return insertRecord(ctx, schema, prng)
    case 'update':
      return updateRecord(ctx, schema, prng)
    case 'delete':
      return deleteRecord(ctx, schema, prng)
    case 'undelete':
      return undeleteRecord(ctx, schema, prng)
    case 'purge':
      return purgeRecord(ctx, schema, prng)
    case 'burst':
      return burst(ctx, schema, prng)
    case 'formula':
      return formulaChange(ctx, schema, prng)
  }
}
