import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BulkQueryClient, type BulkJobInfo } from './bulk-query.ts'
import { BulkJobFailedError, BulkJobTimeoutError } from './bulk-errors.ts'
import type { SalesforceApi } from './salesforce-api.ts'

/** A job that completes at `doneAtMs` of a fake clock, polled through a fake API. */
function fakeOrg(doneAtMs: number, endState = 'JobComplete') {
  let clock = 0
  const polls: number[] = []
  const api: SalesforceApi = {
    apiVersion: '62.0',
    dataPath: (rest = '') => `/services/data/v62.0/${rest}`,
    request: () => Promise.reject(new Error('not used')),
    stream: () => Promise.reject(new Error('not used')),
    json: <T>(method: string, path: string) => {
      assert.equal(method, 'GET')
      assert.equal(path, '/services/data/v62.0/jobs/query/750000000000001AAA')
      polls.push(clock)
      const info: BulkJobInfo = {
        id: '750000000000001AAA',
        state: clock >= doneAtMs ? endState : 'InProgress',
        ...(clock >= doneAtMs && endState === 'Failed' ? { errorMessage: 'QUERY_TIMEOUT' } : {}),
      } as BulkJobInfo
      return Promise.resolve(info as T)
    },
  }
  const options = {
    sleep: (ms: number) => {
      clock += ms
      return Promise.resolve()
    },
    now: () => clock,
  }
  return { bulk: new BulkQueryClient(api), polls, options }
}

test('polls grow by a quarter from 250 ms to at most 5 s: a 40 s job is seen done within 5 s, in 19 polls', async () => {
  const org = fakeOrg(40_000)
  const job = await org.bulk.waitForJob('750000000000001AAA', 'Account', org.options)
  assert.equal(job.state, 'JobComplete')
  const gaps = org.polls.slice(1).map((t, i) => t - (org.polls[i] as number))
  assert.deepEqual(gaps.slice(0, 4), [250, 312.5, 390.625, 488.28125])
  assert.ok(
    gaps.every((g) => g <= 5_000),
    `no wait above 5 s: ${gaps.join(', ')}`,
  )
  const last = org.polls.at(-1) as number
  assert.ok(last >= 40_000 && last - 40_000 <= 5_000, `done seen at ${last} ms`)
  assert.equal(org.polls.length, 19)
})

test('a quick job costs few polls: done within 1 s is seen after at most 5', async () => {
  const org = fakeOrg(1_000)
  await org.bulk.waitForJob('750000000000001AAA', 'Account', org.options)
  assert.ok(org.polls.length <= 5, `${org.polls.length} polls`)
})

test('a failed job throws with its error; a job past the timeout throws a timeout', async () => {
  const failed = fakeOrg(2_000, 'Failed')
  await assert.rejects(
    failed.bulk.waitForJob('750000000000001AAA', 'Account', failed.options),
    (err: unknown) => err instanceof BulkJobFailedError && /QUERY_TIMEOUT/.test(err.message),
  )
  const slow = fakeOrg(60_000)
  await assert.rejects(
    slow.bulk.waitForJob('750000000000001AAA', 'Account', { ...slow.options, timeoutMs: 20_000 }),
    (err: unknown) => err instanceof BulkJobTimeoutError,
  )
  assert.ok((slow.polls.at(-1) as number) <= 20_000, 'no poll after the timeout')
})
