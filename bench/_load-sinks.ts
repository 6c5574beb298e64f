/**
 * The destination side of the non-sfsync contestants of `bench/sync-load.ts`: rows as string arrays
 * written the way perf-limits.md found fastest, with no checkpoints.
 * - SQLite (node:sqlite): one prepared INSERT, `run` per row inside an explicit transaction committed
 *   every 10k rows (buffering 10k rows first promotes them to old space: heavy GC).
 * - PostgreSQL: plain COPY FROM STDIN (text format) into the empty table, one COPY and commit per 50k rows.
 * The table itself is made by sfsync's store (`ensureTable`), so every contestant writes the same
 * columns and types; the raw writers fill the fields and `_sfsync_synced_at`, nothing else.
 */
import { DatabaseSync } from 'node:sqlite'
import { finished } from 'node:stream/promises'
import pg from 'pg'
import { from as copyFrom, type CopyStreamQuery } from 'pg-copy-streams'
import { openDestination } from '../src/store/open-destination.ts'
import type { FieldSpec } from '../src/store/destination.ts'

/** A row writer: `add` is synchronous; when it returns true the caller awaits `flush` first. */
export interface RowSink {
  add(row: ReadonlyArray<string | null>): boolean
  flush(): Promise<void>
  /** Commits what is left, closes, and returns the number of rows in the table. */
  finish(): Promise<number>
}

/** Where a contestant writes: a fresh SQLite file, or a fresh PostgreSQL schema. */
export type SinkTarget =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string }

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`
const columnsOf = (specs: readonly FieldSpec[]): string[] => [
  ...specs.map((f) => quote(f.name.toLowerCase())),
  '"_sfsync_synced_at"',
]

/** Creates the object's table with sfsync's own DDL (not timed by the bench). */
export async function createTable(
  target: SinkTarget,
  object: string,
  specs: readonly FieldSpec[],
): Promise<void> {
  const dest =
    target.kind === 'sqlite'
      ? await openDestination(`sqlite:${target.path}`)
      : await openDestination(target.url, { schema: target.schema })
  try {
    await dest.ensureTable(object, specs)
  } finally {
    await dest.close()
  }
}

const SQLITE_COMMIT_ROWS = 10_000

export function openSqliteSink(path: string, table: string, specs: readonly FieldSpec[]): RowSink {
  const db = new DatabaseSync(path)
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL')
  const cols = columnsOf(specs)
  const stmt = db.prepare(
    `INSERT INTO ${quote(table)} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
  )
  const now = new Date().toISOString()
  let pending = 0
  db.exec('BEGIN')
  return {
    add(row) {
      stmt.run(...row, now)
      if (++pending === SQLITE_COMMIT_ROWS) {
        db.exec('COMMIT; BEGIN')
        pending = 0
      }
      return false
    },
    flush: async () => {},
    async finish() {
      db.exec('COMMIT')
      const n = Number((db.prepare(`SELECT COUNT(*) AS n FROM ${quote(table)}`).get() as { n: number }).n)
      db.close()
      return n
    },
  }
}

const PG_COMMIT_ROWS = 50_000
/** Characters of COPY text gathered before a write to the socket. */
const PG_WRITE_CHARS = 256 * 1024
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' }
const NEEDS_ESCAPE = /[\\\n\r\t]/
const ESCAPE_ALL = /[\\\n\r\t]/g

export async function openPgCopySink(
  url: string,
  schema: string,
  table: string,
  specs: readonly FieldSpec[],
): Promise<RowSink> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const sql = `COPY ${quote(schema)}.${quote(table)} (${columnsOf(specs).join(', ')}) FROM STDIN`
  const tail = `\t${new Date().toISOString()}\n`
  // BEGIN before the COPY: pg queues queries, and a BEGIN queued behind an open COPY would wait forever.
  await client.query('BEGIN')
  let copy: CopyStreamQuery = client.query(copyFrom(sql))
  let text = ''
  let inTx = 0
  const push = async (): Promise<void> => {
    if (text.length === 0) return
    const ok = copy.write(text)
    text = ''
    if (!ok) await new Promise((resolve) => copy.once('drain', resolve))
  }
  return {
    add(row) {
      let line = ''
      for (let i = 0; i < row.length; i++) {
        const v = row[i]
        const cell =
          v === null || v === undefined
            ? '\\N'
            : NEEDS_ESCAPE.test(v)
              ? v.replace(ESCAPE_ALL, (c) => ESCAPES[c] ?? c)
              : v
        line += i === 0 ? cell : '\t' + cell
      }
      text += line + tail
      return ++inTx === PG_COMMIT_ROWS || text.length >= PG_WRITE_CHARS
    },
    async flush() {
      await push()
      if (inTx < PG_COMMIT_ROWS) return
      copy.end()
      await finished(copy)
      await client.query('COMMIT')
      await client.query('BEGIN')
      copy = client.query(copyFrom(sql))
      inTx = 0
    },
    async finish() {
      await push()
      copy.end()
      await finished(copy)
      await client.query('COMMIT')
      const r = await client.query<{ n: string }>(
        `SELECT COUNT(*) AS n FROM ${quote(schema)}.${quote(table)}`,
      )
      await client.end()
      return Number(r.rows[0]?.n)
    },
  }
}

/** Opens the sink of a target (the table must exist). */
export async function openSink(
  target: SinkTarget,
  table: string,
  specs: readonly FieldSpec[],
): Promise<RowSink> {
  return target.kind === 'sqlite'
    ? openSqliteSink(target.path, table, specs)
    : openPgCopySink(target.url, target.schema, table, specs)
}
