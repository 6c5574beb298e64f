import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { QueryJob } from './query-job.ts'
import { runQueryJob } from './query-job-runner.ts'
import type { JsonValue, QueryCursor } from '../data/org-data.ts'

/** A snapshot of 12 positions whose record at position 3 was purged after the query ran. */
function cursorWithGap(): QueryCursor {
  const gap = 3
  return {
    totalSize: 12,
    recordCount: 12,
    columns: ['Id'],
    fetch: () => [],
    *rows(offset: number, count: number): Iterable<readonly JsonValue[]> {
      for (let at = offset; at < Math.min(12, offset + count); at++) if (at !== gap) yield [`r${at}`]
    },
  }
}

test('a record purged while the job runs leaves a gap in its slice, not the end of the results', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'query-job-runner-'))
  try {
    const job = new QueryJob({
      id: '7505e0000000001AAA',
      object: 'Account',
      createdById: '0055e0000000001AAA',
      createdMs: 0,
      apiVersion: 66,
      lineEnding: 'LF',
      columnDelimiter: 'COMMA',
      operation: 'queryAll',
      query: 'SELECT Id FROM Account',
      cursor: cursorWithGap(),
      kinds: [],
      pkChunkingSupported: true,
    })
    await runQueryJob(job, { dir, rowsPerSlice: 5, now: () => 0 })
    assert.equal(job.state, 'JobComplete')
    assert.equal(job.numberRecordsProcessed, 11)
    assert.equal(job.results?.rowCount, 11)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
