/**
 * Creates the record tables of the storage layout (storage-layout.ts) and their indexes. Indexes are
 * created after the generator's bulk load, which is several times faster than maintaining them row by row.
 */
import type { DatabaseSync } from 'node:sqlite'
import {
  columnDeclaration,
  DELETED_MS_COLUMN,
  PURGED_TABLE,
  quoteIdent,
  ROWID_COLUMN,
  tableName,
} from '../storage-layout.ts'
import type { OrgSObjectSchema } from '../schema/sobject-schema.ts'

/** Audit lookups nobody filters on at scale: not worth an index on a million rows. */
const UNINDEXED_REFERENCES = new Set(['CreatedById', 'LastModifiedById', 'MasterRecordId'])

/**
 * Objects whose rows the generator reads back by Id while it writes (Case and Task derive fields from
 * their Contact, Opportunity, Case and Invoice__c): their Id index exists before the load. Ids grow,
 * so that index only ever appends.
 */
const LOOKED_UP_WHILE_GENERATING = new Set(['User', 'Contact', 'Opportunity', 'Case', 'Invoice__c'])

const idIndex = (db: DatabaseSync, sobject: string): void =>
  db.exec(`CREATE UNIQUE INDEX ${quoteIdent(`${sobject}_Id_idx`)} ON ${tableName(sobject)} ("Id")`)

/** Creates one table per object, plus `_purged`. */
export function createTables(db: DatabaseSync, schemas: readonly OrgSObjectSchema[]): void {
  for (const schema of schemas) {
    const columns = schema.storedFields.map((f) => columnDeclaration(f)).filter((c) => c !== undefined)
    db.exec(
      `CREATE TABLE ${tableName(schema.name)} (${quoteIdent(ROWID_COLUMN)} INTEGER PRIMARY KEY, ${columns.join(
        ', ',
      )}, ${quoteIdent(DELETED_MS_COLUMN)} INTEGER)`,
    )
    if (LOOKED_UP_WHILE_GENERATING.has(schema.name)) idIndex(db, schema.name)
  }
  db.exec(
    `CREATE TABLE ${quoteIdent(PURGED_TABLE)} ("sobject" TEXT NOT NULL, "Id" TEXT NOT NULL, "deletedMs" INTEGER NOT NULL)`,
  )
  db.exec(`CREATE INDEX "_purged_sobject_deletedMs" ON ${quoteIdent(PURGED_TABLE)} ("sobject", "deletedMs")`)
}

/** Creates the indexes: Id (unique), SystemModstamp, `_deletedMs`, lookups, unique and external ids. */
export function createIndexes(db: DatabaseSync, schemas: readonly OrgSObjectSchema[]): void {
  const names = new Set(schemas.map((s) => s.name))
  for (const schema of schemas) {
    const table = tableName(schema.name)
    const index = (field: string, unique = false, where = ''): void => {
      const name = quoteIdent(`${schema.name}_${field}_idx`)
      db.exec(
        `CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${name} ON ${table} (${quoteIdent(field)})${where ? ` WHERE ${where}` : ''}`,
      )
    }
    if (!LOOKED_UP_WHILE_GENERATING.has(schema.name)) idIndex(db, schema.name)
    if (schema.has('SystemModstamp')) index('SystemModstamp')
    index(DELETED_MS_COLUMN, false, `${quoteIdent(DELETED_MS_COLUMN)} IS NOT NULL`)
    for (const f of schema.storedFields) {
      if (f.name === 'Id') continue
      const targets = Array.isArray(f.referenceTo) ? (f.referenceTo as string[]) : []
      const lookup =
        f.type === 'reference' && targets.some((t) => names.has(t)) && !UNINDEXED_REFERENCES.has(f.name)
      if (lookup || f.externalId === true || f.unique === true || f.autoNumber === true) index(f.name)
    }
  }
}
