/**
 * Fills a fresh org database with deterministic records: the same seed, counts and anchor day give the
 * same rows, byte for byte. Rows stream into SQLite through one prepared statement per object, in
 * 10,000-row transactions; nothing is kept in JS arrays, so a million rows cost no heap.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import { makeId } from '../../ids.ts'
import type { EmulatorOrg } from '../../org.ts'
import { deriveFields, type DeriveContext, type Row } from '../records/derived-fields.ts'
import type { SqlValue } from '../records/value-codec.ts'
import { EXTERNAL_KEY_PREFIXES, formatAutoNumber } from '../records/key-prefixes.ts'
import type { OrgSObjectSchema } from '../schema/sobject-schema.ts'
import { quoteIdent, storageClass, tableName } from '../storage-layout.ts'
import { HISTORY_MS, type GeneratorContext, type RowGenerator } from './generator-context.ts'
import { Prng } from './prng.ts'
import { generateAccount, generateContact, generateLead, generateOpportunity } from './sales-generators.ts'
import {
  generateCase,
  generateInvoice,
  generateTask,
  organizationGenerator,
  userGenerator,
} from './service-generators.ts'

/** Records per object when the options do not say (Users: generated users besides the org's own). */
export const DEFAULT_RECORD_COUNTS: Readonly<Record<string, number>> = {
  User: 10,
  Account: 200,
  Contact: 400,
  Lead: 200,
  Opportunity: 300,
  Case: 200,
  Invoice__c: 300,
  Task: 300,
  Organization: 1,
}

/** Generation order: every lookup points at an object generated before it (or at ids fixed in advance). */
const ORDER = [
  'User',
  'Account',
  'Contact',
  'Lead',
  'Opportunity',
  'Case',
  'Invoice__c',
  'Task',
  'Organization',
]

const BATCH_ROWS = 10_000

/**
 * What the generator "wrote" as far as derived fields care: the stage (so that Probability and the
 * forecast category follow it), never Probability itself.
 */
const GENERATED_FIELDS: ReadonlySet<string> = new Set(['StageName'])

/** What `generateRecords` writes into and from. */
export interface GenerateInput {
  readonly db: DatabaseSync
  readonly schemas: ReadonlyMap<string, OrgSObjectSchema>
  readonly org: EmulatorOrg
  /** End of the generated history (ms). */
  readonly anchorMs: number
  /** Rows per object (canonical names); User counts the generated users besides org.users. */
  readonly counts: Readonly<Record<string, number>>
  readonly derive: Omit<DeriveContext, 'nowMs'>
}

/**
 * Resolves `requested` (object names matched case-insensitively) against the defaults. Throws on an
 * unknown object or a count that is not a non-negative integer.
 */
export function resolveRecordCounts(
  requested: Readonly<Record<string, number>>,
  known: readonly string[],
): Record<string, number> {
  const counts: Record<string, number> = { ...DEFAULT_RECORD_COUNTS }
  for (const [name, value] of Object.entries(requested)) {
    const canonical = known.find((k) => k.toLowerCase() === name.toLowerCase())
    if (!canonical) {
      throw new Error(`records: the emulator has no object named '${name}'; it has ${known.join(', ')}`)
    }
    if (!Number.isInteger(value) || value < 0) {
      throw new Error(`records: the count for ${canonical} must be a whole number >= 0, not ${String(value)}`)
    }
    if (canonical === 'Organization' && value !== 1) {
      throw new Error('records: an org has exactly one Organization record')
    }
    counts[canonical] = value
  }
  return counts
}

function generatorFor(name: string, org: EmulatorOrg): RowGenerator {
  switch (name) {
    case 'User':
      return userGenerator(org)
    case 'Account':
      return generateAccount
    case 'Contact':
      return generateContact
    case 'Lead':
      return generateLead
    case 'Opportunity':
      return generateOpportunity
    case 'Case':
      return generateCase
    case 'Invoice__c':
      return generateInvoice
    case 'Task':
      return generateTask
    case 'Organization':
      return organizationGenerator(org)
    default:
      throw new Error(`no generator for ${name}`)
  }
}

/** Generates every object's rows; returns the number of rows written per object. */
export function generateRecords(input: GenerateInput): Record<string, number> {
  const { db, schemas, org } = input
  const rows: Record<string, number> = {}
  for (const name of ORDER)
    rows[name] = name === 'User' ? org.users.length + (input.counts.User ?? 0) : (input.counts[name] ?? 0)
  const prefixes = new Map<string, string>(Object.entries(EXTERNAL_KEY_PREFIXES))
  for (const [name, s] of schemas) if (s.describe.keyPrefix) prefixes.set(name, s.describe.keyPrefix)
  const idOf = (sobject: string, n: number): string => {
    const prefix = prefixes.get(sobject)
    if (!prefix) throw new Error(`no key prefix for ${sobject}`)
    return sobject === 'Organization' ? org.orgId : makeId(prefix, org.pod, n)
  }
  let userIds: string[] = org.users.map((u) => u.id)
  for (const name of ORDER) {
    const schema = schemas.get(name)
    if (!schema) continue
    writeObject(input, schema, rows[name] ?? 0, rows, idOf, userIds)
    if (name === 'User') {
      const active = db
        .prepare(
          `SELECT "Id" FROM ${tableName('User')} WHERE "IsActive" = 1 ORDER BY ${quoteIdent('_rowid')}`,
        )
        .all()
      userIds = active.map((r) => String(r.Id))
    }
  }
  return rows
}

function writeObject(
  input: GenerateInput,
  schema: OrgSObjectSchema,
  count: number,
  rows: Readonly<Record<string, number>>,
  idOf: (sobject: string, n: number) => string,
  userIds: readonly string[],
): void {
  const { db, org, anchorMs } = input
  const name = schema.name
  const rng = new Prng(org.options.seed, name)
  const columns = schema.storedFields.map((f) => f.name)
  const booleans = new Set(
    schema.storedFields.filter((f) => storageClass(f) === 'boolean').map((f) => f.name),
  )
  const autoNumbers = schema.storedFields.filter((f) => f.autoNumber === true).map((f) => f.name)
  const picklists = new Map<string, string[]>()
  for (const f of schema.describe.fields) {
    const values = (f.picklistValues as Array<{ value: string; active: boolean }>).filter((p) => p.active)
    picklists.set(
      f.name,
      values.map((p) => p.value),
    )
  }
  const insert: StatementSync = db.prepare(
    `INSERT INTO ${tableName(name)} (${columns.map(quoteIdent).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
  )
  const generate = generatorFor(name, org)
  const pickUser = (): string => rng.pick(userIds)
  const stamps = {
    created: schema.has('CreatedDate'),
    createdBy: schema.has('CreatedById'),
    modified: schema.has('LastModifiedDate'),
    modifiedBy: schema.has('LastModifiedById'),
    modstamp: schema.has('SystemModstamp'),
    owner: schema.has('OwnerId'),
  }
  const start = anchorMs - HISTORY_MS
  // One context per object, its per-row fields overwritten: a million rows allocate no closures.
  const ctx: { -readonly [K in keyof GeneratorContext]: GeneratorContext[K] } = {
    rng,
    schema,
    n: 0,
    count,
    userIds,
    anchorMs,
    createdMs: 0,
    idOf,
    ref: (sobject, p = 1) => {
      if (sobject === 'User') return rng.chance(p) ? pickUser() : null
      const total = rows[sobject] ?? 0
      if (total === 0 || !rng.chance(p)) return null
      return idOf(sobject, rng.int(1, total))
    },
    picklist: (field) => picklists.get(field) ?? [],
  }
  const deriveCtx: { -readonly [K in keyof DeriveContext]: DeriveContext[K] } = { ...input.derive, nowMs: 0 }
  const values: SqlValue[] = columns.map(() => null)
  const defaults: SqlValue[] = columns.map((c) => (booleans.has(c) ? 0 : null))
  db.exec('BEGIN')
  try {
    for (let n = 1; n <= count; n++) {
      // Ids grow with CreatedDate, as Salesforce's do.
      const createdMs = Math.floor(start + (HISTORY_MS * (n - 1 + rng.next())) / Math.max(count, 1))
      ctx.n = n
      ctx.createdMs = createdMs
      const id = idOf(name, n)
      const row: Row = { Id: id }
      generate(ctx, row)
      for (const f of autoNumbers) row[f] = formatAutoNumber(name, f, n)
      const modifiedMs = createdMs + Math.floor(rng.next() * (anchorMs - createdMs))
      const modstampMs = rng.chance(0.05)
        ? Math.min(anchorMs, modifiedMs + rng.int(1, 3_600_000))
        : modifiedMs
      const creator = name === 'User' && n <= org.users.length ? (userIds[0] ?? id) : pickUser()
      if (stamps.created) row.CreatedDate = createdMs
      if (stamps.createdBy) row.CreatedById = creator
      if (stamps.modified) row.LastModifiedDate = modifiedMs
      if (stamps.modifiedBy) row.LastModifiedById = rng.chance(0.7) ? creator : pickUser()
      if (stamps.modstamp) row.SystemModstamp = modstampMs
      if (stamps.owner) row.OwnerId ??= pickUser()
      // Closure times (Case.ClosedDate, Task.CompletedDateTime) are the last modification's.
      deriveCtx.nowMs = modifiedMs
      deriveFields(name, row, deriveCtx, GENERATED_FIELDS)
      for (let i = 0; i < columns.length; i++) values[i] = row[columns[i] as string] ?? defaults[i] ?? null
      insert.run(...values)
      if (n % BATCH_ROWS === 0) {
        db.exec('COMMIT')
        db.exec('BEGIN')
      }
    }
    db.exec('COMMIT')
  } catch (err) {
    db.exec('ROLLBACK')
    throw err
  }
}
