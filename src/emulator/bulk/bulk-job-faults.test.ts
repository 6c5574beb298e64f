import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { API_VERSION, startBulkEmulator, type BulkEmulator } from './bulk-test-emulator.ts'

let bulk: BulkEmulator
before(async () => {
  bulk = await startBulkEmulator({ Account: 30 })
})
after(async () => {
  await bulk.close()
})

const JOBS = `/services/data/v${API_VERSION}/jobs`

async function addRule(rule: Record<string, unknown>): Promise<void> {
  const res = await bulk.control('POST', '/__emulator/faults', { rules: [rule] })
  assert.equal(res.status, 201, res.text)
}

async function createQueryJob(): Promise<string> {
  const res = await bulk.call('POST', `${JOBS}/query`, {
    operation: 'query',
    query: 'SELECT Id, Name FROM Account',
  })
  assert.equal(res.status, 200, res.text)
  return (res.json() as { id: string }).id
}

async function waitForState(
  path: string,
  wanted: readonly string[],
  timeoutMs = 15_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const info = (await bulk.call('GET', path)).json() as Record<string, unknown>
    if (wanted.includes(String(info.state))) return info
    if (Date.now() > deadline) throw new Error(`job stayed ${String(info.state)}`)
    await sleep(50)
  }
}

test('a job-failed fault fails the next query job with its message, and only that one', async () => {
  await addRule({ job: 'query', fault: { kind: 'job-failed', message: 'injected failure' }, times: 1 })
  const failed = await waitForState(`${JOBS}/query/${await createQueryJob()}`, ['Failed', 'JobComplete'])
  assert.equal(failed.state, 'Failed')
  assert.equal(failed.errorMessage, 'injected failure')
  const results = await bulk.call('GET', `${JOBS}/query/${String(failed.id)}/results`)
  assert.notEqual(results.status, 200, 'a failed job has no results')
  const next = await waitForState(`${JOBS}/query/${await createQueryJob()}`, ['Failed', 'JobComplete'])
  assert.equal(next.state, 'JobComplete')
})

test('a job-query-timeout fault fails the job with QUERY_TIMEOUT', async () => {
  await addRule({ job: 'query', fault: { kind: 'job-query-timeout' }, times: 1 })
  const info = await waitForState(`${JOBS}/query/${await createQueryJob()}`, ['Failed', 'JobComplete'])
  assert.equal(info.state, 'Failed')
  assert.match(String(info.errorMessage), /QUERY_TIMEOUT/)
})

test('a job-stall fault keeps the job InProgress until emulated time passes', async () => {
  await addRule({ job: 'query', fault: { kind: 'job-stall', ms: 3_600_000 }, times: 1 })
  const path = `${JOBS}/query/${await createQueryJob()}`
  await waitForState(path, ['InProgress'])
  await sleep(300)
  assert.equal(((await bulk.call('GET', path)).json() as { state: string }).state, 'InProgress')
  const advanced = await bulk.control('POST', '/__emulator/clock/advance', { seconds: 3601 })
  assert.equal(advanced.status, 200)
  await bulk.renewToken()
  const done = await waitForState(path, ['JobComplete', 'Failed'])
  assert.equal(done.state, 'JobComplete')
  assert.equal(done.numberRecordsProcessed, 30)
})

test('a job-failed fault on an ingest job fails it and leaves every row unprocessed', async () => {
  await addRule({ job: 'ingest', fault: { kind: 'job-failed' }, times: 1 })
  const created = await bulk.call('POST', `${JOBS}/ingest`, { object: 'Account', operation: 'insert' })
  assert.equal(created.status, 200, created.text)
  const id = (created.json() as { id: string }).id
  const upload = await bulk.call('PUT', `${JOBS}/ingest/${id}/batches`, 'Name\nFault One\nFault Two\n')
  assert.equal(upload.status, 201, upload.text)
  const closed = await bulk.call('PATCH', `${JOBS}/ingest/${id}`, { state: 'UploadComplete' })
  assert.equal(closed.status, 200, closed.text)
  const info = await waitForState(`${JOBS}/ingest/${id}`, ['Failed', 'JobComplete'])
  assert.equal(info.state, 'Failed')
  const unprocessed = await bulk.call('GET', `${JOBS}/ingest/${id}/unprocessedrecords`)
  assert.equal(unprocessed.text.trim().split('\n').length, 3, 'header plus the two rows')
  const count = await bulk.call(
    'GET',
    `/services/data/v${API_VERSION}/query?q=${encodeURIComponent("SELECT COUNT() FROM Account WHERE Name LIKE 'Fault %'")}`,
  )
  assert.equal((count.json() as { totalSize: number }).totalSize, 0, 'no row was written')
})
