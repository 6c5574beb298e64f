/**
 * Creating and evolving an object's table from its describe (issue 5 "Schema evolution"): a new field
 * becomes a column (to back-fill), a wider type widens the column in place, an incompatible type
 * rebuilds it (to back-fill), a field gone from the org is kept but marked. The column registry
 * (`_sfsync_columns`) records what each column was made for, so the comparison does not depend on
 * how each dialect spells its types. Runs inside the caller's transaction.
 */
import type { ColumnDef, FieldSpec, SchemaChange } from './destination.ts'
import { asText, quoteIdent } from './sql-driver.ts'
import type { SqlDriver, SqlExecutor } from './sql-driver.ts'
import { columnsForFields, compareColumn, CURSOR_COLUMNS, describeColumn } from './type-mapping.ts'

/** A column as the registry holds it. */
export interface RegisteredColumn extends ColumnDef {
  readonly position: number
  readonly inOrg: boolean
  readonly backfillPending: boolean
}

/** Names of the system tables, relative to the destination's schema. */
export const SYSTEM_TABLES = {
  columns: '_sfsync_columns',
  checkpoints: '_sfsync_checkpoints',
  runs: '_sfsync_runs',
  history: '_sfsync_schema_history',
} as const

/** SQL to create and drop the index on an object's cursor column, or undefined when it has none. */
export function cursorIndex(
  driver: SqlDriver,
  object: string,
  columns: readonly Pick<ColumnDef, 'column'>[],
): { column: string; create: string; drop: string } | undefined {
  const column = CURSOR_COLUMNS.find((name) => columns.some((c) => c.column === name))
  if (!column) return undefined
  const name = `${object.toLowerCase()}_${column}_idx`
  return {
    column,
    create: `CREATE INDEX IF NOT EXISTS ${quoteIdent(name)} ON ${driver.table(object.toLowerCase())} (${quoteIdent(column)})`,
    drop: `DROP INDEX IF EXISTS ${driver.table(name)}`,
  }
}

/** Reads the registry of an object's table, in column order. */
export async function readRegistry(
  driver: SqlDriver,
  db: SqlExecutor,
  object: string,
): Promise<RegisteredColumn[]> {
  const rows = await db.query(
    `SELECT column_name, field_name, sf_type, kind, length, precision, scale, position, in_org, backfill_pending
       FROM ${driver.table(SYSTEM_TABLES.columns)} WHERE object = ${driver.param(1)} ORDER BY position`,
    [object],
  )
  return rows.map((r) => ({
    column: asText(r.column_name),
    field: asText(r.field_name),
    sfType: asText(r.sf_type),
    kind: asText(r.kind) as ColumnDef['kind'],
    length: Number(r.length),
    precision: Number(r.precision),
    scale: Number(r.scale),
    position: Number(r.position),
    inOrg: r.in_org === true || r.in_org === 1 || r.in_org === 1n,
    backfillPending: r.backfill_pending === true || r.backfill_pending === 1 || r.backfill_pending === 1n,
  }))
}

async function register(
  driver: SqlDriver,
  db: SqlExecutor,
  object: string,
  col: ColumnDef,
  position: number,
  flags: { inOrg: boolean; backfillPending: boolean },
): Promise<void> {
  const p = (i: number): string => driver.param(i)
  await db.query(
    `INSERT INTO ${driver.table(SYSTEM_TABLES.columns)}
       (object, column_name, field_name, sf_type, kind, length, precision, scale, position, in_org, backfill_pending)
       VALUES (${[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map(p).join(', ')})
     ON CONFLICT (object, column_name) DO UPDATE SET field_name = excluded.field_name, sf_type = excluded.sf_type,
       kind = excluded.kind, length = excluded.length, precision = excluded.precision, scale = excluded.scale,
       in_org = excluded.in_org, backfill_pending = excluded.backfill_pending`,
    [
      object,
      col.column,
      col.field,
      col.sfType,
      col.kind,
      col.length,
      col.precision,
      col.scale,
      position,
      driver.encode('boolean', flags.inOrg),
      driver.encode('boolean', flags.backfillPending),
    ],
  )
}

async function recordChange(
  driver: SqlDriver,
  db: SqlExecutor,
  change: SchemaChange,
  at: string,
): Promise<void> {
  const p = (i: number): string => driver.param(i)
  await db.query(
    `INSERT INTO ${driver.table(SYSTEM_TABLES.history)} (object, change, column_name, before, after, backfill, changed_at)
     VALUES (${[1, 2, 3, 4, 5, 6, 7].map(p).join(', ')})`,
    [
      change.object,
      change.change,
      change.column ?? null,
      change.before ?? null,
      change.after ?? null,
      driver.encode('boolean', change.backfill),
      driver.encode('datetime', at),
    ],
  )
}

/** Creates or evolves the table of `object`; returns (and records) the changes made. */
export async function evolveTable(
  driver: SqlDriver,
  db: SqlExecutor,
  object: string,
  fields: readonly FieldSpec[],
  now: Date,
): Promise<SchemaChange[]> {
  const wanted = columnsForFields(fields)
  const table = driver.table(object.toLowerCase())
  const recorded = await readRegistry(driver, db, object)
  const at = now.toISOString()
  const changes: SchemaChange[] = []

  if (recorded.length === 0) {
    const defs = wanted.map(
      (c) =>
        `${quoteIdent(c.column)} ${driver.columnType(c)}${c.column === 'id' ? ' PRIMARY KEY' : c.column === 'isdeleted' ? ' NOT NULL DEFAULT FALSE' : ''}`,
    )
    await db.query(`CREATE TABLE ${table} (${defs.join(', ')})`)
    const cursor = cursorIndex(driver, object, wanted)
    if (cursor) await db.query(cursor.create)
    for (const [i, c] of wanted.entries())
      await register(driver, db, object, c, i, { inOrg: true, backfillPending: false })
    changes.push({
      object,
      change: 'create_table',
      after: cursor ? `cursor index on ${cursor.column}` : undefined,
      backfill: false,
    })
  } else {
    const byName = new Map(recorded.map((c) => [c.column, c]))
    let position = recorded.reduce((max, c) => Math.max(max, c.position), -1) + 1
    for (const want of wanted) {
      const have = byName.get(want.column)
      if (!have) {
        await db.query(
          `ALTER TABLE ${table} ADD COLUMN ${quoteIdent(want.column)} ${driver.columnType(want)}`,
        )
        await register(driver, db, object, want, position++, { inOrg: true, backfillPending: true })
        changes.push({
          object,
          change: 'add_column',
          column: want.column,
          after: describeColumn(want),
          backfill: true,
        })
        continue
      }
      if (!have.inOrg && have.sfType !== 'system')
        changes.push({
          object,
          change: 'field_restored',
          column: want.column,
          after: describeColumn(want),
          backfill: true,
        })
      const change = compareColumn(have, want)
      const oldType = driver.columnType(have)
      const newType = driver.columnType(want)
      let backfill = have.backfillPending || !have.inOrg
      // A rebuild always replaces the column, even when the dialect spells both types alike (SQLite TEXT):
      // the old values mean something else now and are fetched again.
      if (change === 'rebuild' || (change === 'widen' && oldType !== newType)) {
        if (change === 'widen' && driver.capabilities.alterColumnType) {
          await db.query(driver.alterColumnType(table, want.column, newType))
        } else {
          // Replace the column: add the new one, copy (widen) or not (rebuild), drop the old, rename.
          const temp = quoteIdent(`_sfsync_new_${want.column}`)
          await db.query(`ALTER TABLE ${table} ADD COLUMN ${temp} ${newType}`)
          if (change === 'widen')
            await db.query(`UPDATE ${table} SET ${temp} = ${driver.cast(quoteIdent(want.column), newType)}`)
          await db.query(`ALTER TABLE ${table} DROP COLUMN ${quoteIdent(want.column)}`)
          await db.query(`ALTER TABLE ${table} RENAME COLUMN ${temp} TO ${quoteIdent(want.column)}`)
        }
      }
      if (change !== 'none') {
        backfill = backfill || change === 'rebuild'
        changes.push({
          object,
          change: change === 'widen' ? 'widen_column' : 'rebuild_column',
          column: want.column,
          before: describeColumn(have),
          after: describeColumn(want),
          backfill: change === 'rebuild',
        })
      }
      const keep =
        change === 'none'
          ? { ...want, kind: have.kind, length: have.length, precision: have.precision, scale: have.scale }
          : want
      await register(driver, db, object, keep, have.position, { inOrg: true, backfillPending: backfill })
    }
    const wantedNames = new Set(wanted.map((c) => c.column))
    for (const have of recorded) {
      if (wantedNames.has(have.column) || !have.inOrg) continue
      // Never dropped: the data stays, the column is just no longer selected (issue 5).
      await register(driver, db, object, have, have.position, { inOrg: false, backfillPending: false })
      changes.push({
        object,
        change: 'field_removed',
        column: have.column,
        before: describeColumn(have),
        backfill: false,
      })
    }
  }
  if (recorded.length > 0) {
    // A writer in insert mode drops the cursor index during an initial load; a crash before it was
    // rebuilt leaves it missing, so every ensureTable puts it back (a no-op when it exists).
    const cursor = cursorIndex(driver, object, wanted)
    if (cursor) await db.query(cursor.create)
  }
  for (const change of changes) await recordChange(driver, db, change, at)
  return changes
}
