/**
 * The emulator's SOQL engine: parses a query, validates it against the org's schemas, translates it to
 * SQL over the storage layout (data/storage-layout.ts) and runs it with node:sqlite.
 */
import type { DatabaseSync } from 'node:sqlite'
import type { QueryCursor, SObjectSchema } from '../data/org-data.ts'
import { SoqlError } from '../data/org-data.ts'

/** How the engine finds an sObject's schema (case-insensitive by API name). */
export interface SchemaLookup {
  schema(name: string): SObjectSchema | undefined
}

/**
 * Runs `soql` over `db` and returns a cursor whose matching rows are fixed now. `includeDeleted` is
 * queryAll; `nowMs` is the emulated clock for date literals (TODAY, LAST_N_DAYS:n, ...). Throws
 * SoqlError for anything Salesforce would refuse or that the engine does not support.
 */
export function executeSoql(
  db: DatabaseSync,
  schemas: SchemaLookup,
  soql: string,
  options: { includeDeleted: boolean; nowMs: number },
): QueryCursor {
  void db
  void schemas
  void options
  throw new SoqlError('MALFORMED_QUERY', `SOQL engine under construction: ${soql}`)
}
