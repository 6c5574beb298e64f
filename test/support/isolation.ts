/**
 * Per-test isolation: every test gets its own SQLite file and its own PostgreSQL schema, named after
 * the test, and dropped only when the test passed (a failed test leaves its data for inspection).
 */
import { mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export interface TestContextLike {
  readonly name: string
  after(fn: () => unknown): void
  readonly passed?: boolean
}

/** A name safe for a file or a PostgreSQL identifier, derived from the test's name plus a random tail. */
export function isolatedName(testName: string): string {
  const base = testName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40)
  return `t_${base}_${randomBytes(4).toString('hex')}`
}

/** A fresh folder under the system temp folder, removed after the test when it passed. */
export function isolatedDir(t: TestContextLike): string {
  const dir = join(tmpdir(), 'sfsync-tests', isolatedName(t.name))
  mkdirSync(dir, { recursive: true })
  t.after(() => {
    if (t.passed !== false) rmSync(dir, { recursive: true, force: true })
  })
  return dir
}

/** A path to a SQLite file of the test's own (the file does not exist yet). */
export function isolatedSqlitePath(t: TestContextLike): string {
  return join(isolatedDir(t), 'db.sqlite')
}

/** The PostgreSQL URL the tests use: `DATABASE_URL`, set by the caller or by the global setup. */
export function databaseUrl(): string {
  const url = process.env.DATABASE_URL
  if (!url)
    throw new Error(
      'DATABASE_URL is unset: run the tests through `npm test` (its global setup starts PostgreSQL)',
    )
  return url
}

/** Creates a schema of the test's own and returns its name; dropped after the test when it passed. */
export async function isolatedPgSchema(t: TestContextLike): Promise<string> {
  const schema = isolatedName(t.name)
  const client = new pg.Client({ connectionString: databaseUrl() })
  await client.connect()
  try {
    await client.query(`CREATE SCHEMA "${schema}"`)
  } finally {
    await client.end()
  }
  t.after(async () => {
    if (t.passed === false) return
    const c = new pg.Client({ connectionString: databaseUrl() })
    await c.connect()
    try {
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    } finally {
      await c.end()
    }
  })
  return schema
}
