import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ApiUsage, DEFAULT_DAILY_API_REQUESTS } from './api-usage.ts'

function clock(start = Date.UTC(2026, 0, 1)) {
  let now = start
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

test('counts calls in a rolling 24-hour window on the given clock', () => {
  const c = clock()
  const usage = new ApiUsage(c.now, 100)
  usage.record(3)
  c.advance(12 * 3600_000)
  usage.record(2)
  assert.equal(usage.used(), 5)
  assert.equal(usage.header(), 'api-usage=5/100')
  c.advance(12 * 3600_000 + 60_000)
  assert.equal(usage.used(), 2, 'the first three calls left the window after 24 h')
  c.advance(12 * 3600_000)
  assert.equal(usage.used(), 0)
})

test('tryRecord refuses once the allocation is spent and does not count the refusal', () => {
  const c = clock()
  const usage = new ApiUsage(c.now, 2)
  assert.equal(usage.tryRecord(), true)
  assert.equal(usage.tryRecord(), true)
  assert.equal(usage.tryRecord(), false)
  assert.equal(usage.used(), 2)
  assert.equal(usage.remaining(), 0)
  usage.setMax(3)
  assert.equal(usage.tryRecord(), true)
  usage.reset()
  assert.equal(usage.used(), 0)
  assert.equal(usage.remaining(), 3)
})

test('defaults to the Developer Edition allocation and refuses nonsense maxima', () => {
  const usage = new ApiUsage(() => 0)
  assert.equal(usage.max, DEFAULT_DAILY_API_REQUESTS)
  assert.throws(() => usage.setMax(-1), RangeError)
  assert.throws(() => usage.setMax(1.5), RangeError)
  assert.throws(() => usage.record(-2), RangeError)
})

test('limits() lists DailyApiRequests, the static entries and registered providers, in name order', () => {
  const usage = new ApiUsage(() => 0, 50)
  usage.record(7)
  usage.registerLimit('DailyBulkV2QueryJobs', () => ({ Max: 10_000, Remaining: 9_990 }))
  const limits = usage.limits()
  assert.deepEqual(limits.DailyApiRequests, { Max: 50, Remaining: 43 })
  assert.deepEqual(limits.DailyBulkV2QueryJobs, { Max: 10_000, Remaining: 9_990 })
  assert.ok(limits.DataStorageMB && limits.DailyBulkApiBatches && limits.FileStorageMB)
  const names = Object.keys(limits)
  assert.deepEqual(
    names,
    [...names].sort((a, b) => a.localeCompare(b)),
  )
})
