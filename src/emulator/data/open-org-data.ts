/**
 * Opens the org's records: a fresh SQLite database in `org.options.dataDir` (or in a temp folder that
 * `close()` removes), laid out as storage-layout.ts says, filled by the deterministic generator.
 * @example const data = await openOrgData(org); data.count('Account'); data.close()
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import type { EmulatorOrg } from '../org.ts'
import type { OrgData } from './org-data.ts'
import { buildOrgSchemas } from './schema/org-schemas.ts'
import { generateRecords, resolveRecordCounts } from './generate/generate-records.ts'
import { DAY_MS } from './generate/generator-context.ts'
import { createIndexes, createTables } from './records/storage-setup.ts'
import { RecordStore } from './records/record-store.ts'
import { WriteChecks } from './records/write-checks.ts'
import { SqliteOrgData } from './sqlite-org-data.ts'
import { loadSchemaDir } from '../schema-io/schema-dir.ts'
import { fillOrg } from '../schema-io/fill-org.ts'

/** The database file inside the data folder; an existing one is replaced at startup. */
export const ORG_DATABASE_FILE = 'org-records.sqlite'

/**
 * The end of the generated history: the start of the UTC day of the emulated time at startup, so that
 * the same seed gives byte-identical data all day long while records stay recent.
 */
export function generationAnchor(nowMs: number): number {
  return Math.floor(nowMs / DAY_MS) * DAY_MS
}

export async function openOrgData(org: EmulatorOrg): Promise<OrgData> {
  return openSqliteOrgData(org)
}

/** Like openOrgData, typed as the SQLite implementation (for tests, benchmarks and the control API). */
export async function openSqliteOrgData(org: EmulatorOrg): Promise<SqliteOrgData> {
  const anchorMs = generationAnchor(org.clock.now())
  // `--schema DIR`: the org has exactly the objects described there, filled by schema-io/fill-org.ts.
  const schemaDir = org.options.schemaDir
  const schemas = schemaDir ? loadSchemaDir(schemaDir, anchorMs) : buildOrgSchemas(anchorMs)
  const counts = schemaDir
    ? {}
    : resolveRecordCounts(
        org.options.records,
        schemas.map((s) => s.name),
      )
  let dir: string
  let removeOnClose: string | undefined
  if (org.options.dataDir) {
    dir = org.options.dataDir
    mkdirSync(dir, { recursive: true })
  } else {
    dir = mkdtempSync(join(tmpdir(), 'sfsync-emulator-'))
    removeOnClose = dir
  }
  const file = join(dir, ORG_DATABASE_FILE)
  for (const suffix of ['', '-journal', '-wal', '-shm']) if (existsSync(file + suffix)) rmSync(file + suffix)
  const db = new DatabaseSync(file)
  try {
    // The database is rebuilt at every start: durability buys nothing, speed does.
    db.exec('PRAGMA journal_mode = MEMORY')
    db.exec('PRAGMA synchronous = OFF')
    db.exec('PRAGMA temp_store = MEMORY')
    db.exec('PRAGMA cache_size = -65536')
    createTables(db, schemas)
    const byName = new Map(schemas.map((s) => [s.name, s]))
    const store = new RecordStore(db, byName, org.pod)
    const checks = new WriteChecks(db, byName)
    const written = schemaDir
      ? {}
      : generateRecords({
          db,
          schemas: byName,
          org,
          anchorMs,
          counts,
          derive: {
            lookup: (sobject, id, field) => store.liveField(sobject, id, field),
            objectOf: (id) => checks.objectOf(id),
          },
        })
    createIndexes(db, schemas)
    // Statistics for the query planner from a sample: a full ANALYZE of a million rows costs seconds.
    db.exec('PRAGMA analysis_limit = 1000')
    db.exec('ANALYZE')
    const nextNumbers: Record<string, number> = {}
    for (const [name, n] of Object.entries(written)) nextNumbers[name] = n + 1
    const data = new SqliteOrgData({
      db,
      schemas,
      clock: org.clock,
      nextNumbers,
      pod: org.pod,
      ...(removeOnClose ? { removeOnClose } : {}),
    })
    if (schemaDir)
      fillOrg(data, {
        seed: org.options.seed,
        counts: org.options.records,
        userId: org.adminUser.id,
        anchorMs,
      })
    return data
  } catch (err) {
    db.close()
    if (removeOnClose) rmSync(removeOnClose, { recursive: true, force: true })
    throw err
  }
}
