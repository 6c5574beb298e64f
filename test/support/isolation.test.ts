import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, writeFileSync } from 'node:fs'
import { DatabaseSync } from 'node:sqlite'
import pg from 'pg'
import { isolatedPgSchema, isolatedSqlitePath, databaseUrl } from './isolation.ts'

test('each test gets its own SQLite file', (t) => {
  const a = isolatedSqlitePath(t)
  const b = isolatedSqlitePath(t)
  assert.notEqual(a, b)
  const db = new DatabaseSync(a)
  db.exec('CREATE TABLE x (v INTEGER)')
  db.prepare('INSERT INTO x VALUES (?)').run(42)
  assert.deepEqual({ ...db.prepare('SELECT v FROM x').get() }, { v: 42 })
  db.close()
  writeFileSync(b, '')
  assert.ok(existsSync(a))
})

test('each test gets its own PostgreSQL schema', async (t) => {
  const schema = await isolatedPgSchema(t)
  const client = new pg.Client({ connectionString: databaseUrl() })
  await client.connect()
  try {
    await client.query(`CREATE TABLE "${schema}".x (v int)`)
    await client.query(`INSERT INTO "${schema}".x VALUES (7)`)
    const r = await client.query<{ v: number }>(`SELECT v FROM "${schema}".x`)
    assert.equal(r.rows[0]?.v, 7)
  } finally {
    await client.end()
  }
})
