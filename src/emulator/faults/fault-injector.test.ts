import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { gzipSync, gunzipSync } from 'node:zlib'
import { Readable } from 'node:stream'
import { FaultInjector } from './fault-injector.ts'
import { pathPatternToRegExp } from './fault-rules.ts'
import { RequestLog } from './request-log.ts'
import { bodyThatDrops, truncateCsv, truncateEncodedCsv } from './body-faults.ts'
import { RequestCounters } from '../org.ts'

function injector(seed = 'unit'): { faults: FaultInjector; counters: RequestCounters } {
  const counters = new RequestCounters()
  return { faults: new FaultInjector({ seed, counters }), counters }
}

describe('path patterns', () => {
  test('* stays within a segment, ** crosses segments', () => {
    const query = pathPatternToRegExp('/services/data/*/query*')
    assert.ok(query.test('/services/data/v62.0/query'))
    assert.ok(query.test('/services/data/v62.0/queryAll'))
    assert.ok(!query.test('/services/data/v62.0/query/01gXX-2000'))
    assert.ok(!query.test('/services/data/v62.0/sobjects/query'))
    const results = pathPatternToRegExp('/services/data/*/jobs/query/*/results')
    assert.ok(results.test('/services/data/v60.0/jobs/query/750xx/results'))
    assert.ok(!results.test('/services/data/v60.0/jobs/query/750xx'))
    assert.ok(pathPatternToRegExp('/services/data/**').test('/services/data/v60.0/jobs/query/750/results'))
    assert.ok(pathPatternToRegExp('/a.b').test('/a.b') && !pathPatternToRegExp('/a.b').test('/aXb'))
  })
})

describe('FaultInjector', () => {
  test('rate rules fire at the same positions for the same seed and differ for another seed', () => {
    const positions = (seed: string): number[] => {
      const { faults } = injector(seed)
      faults.addRules([{ path: '/q', fault: { kind: 'server-error' }, rate: 0.25 }])
      const hits: number[] = []
      for (let i = 0; i < 200; i++) if (faults.forRequest('GET', '/q').fault) hits.push(i)
      return hits
    }
    const a = positions('one')
    assert.deepEqual(positions('one'), a)
    assert.notDeepEqual(positions('two'), a)
    assert.ok(a.length > 20 && a.length < 80, `about a quarter fired: ${a.length}`)
  })

  test("a rule's draws depend only on the requests it matches", () => {
    const run = (noise: boolean): number[] => {
      const { faults } = injector()
      faults.addRules([{ path: '/q', fault: { kind: 'server-unavailable' }, rate: 0.5 }])
      const hits: number[] = []
      for (let i = 0; i < 50; i++) {
        if (noise) faults.forRequest('GET', '/other')
        if (faults.forRequest('GET', '/q').fault) hits.push(i)
      }
      return hits
    }
    assert.deepEqual(run(true), run(false))
  })

  test('a per-rule seed overrides the org seed', () => {
    const firstHit = (orgSeed: string): number => {
      const { faults } = injector(orgSeed)
      faults.addRules([{ path: '/q', fault: { kind: 'server-error' }, rate: 0.1, seed: 'fixed' }])
      for (let i = 0; ; i++) if (faults.forRequest('GET', '/q').fault) return i
    }
    assert.equal(firstHit('x'), firstHit('y'))
  })

  test('scripted rules are a queue; one request gets one non-latency fault; latency stacks', () => {
    const { faults, counters } = injector()
    faults.addRules([
      { path: '/q', fault: { kind: 'latency', ms: 10 }, rate: 1 },
      { path: '/q', fault: { kind: 'latency', ms: 5 }, times: 1 },
      { method: 'GET', path: '/q', fault: { kind: 'server-unavailable' }, times: 1 },
      { path: '/q', fault: { kind: 'server-error' }, times: 1 },
    ])
    const first = faults.forRequest('GET', '/q')
    assert.equal(first.latencyMs, 15)
    assert.equal(first.fault?.kind, 'server-unavailable')
    const second = faults.forRequest('get', '/q')
    assert.equal(second.latencyMs, 10)
    assert.equal(second.fault?.kind, 'server-error')
    assert.equal(faults.forRequest('GET', '/q').fault, undefined)
    assert.equal(faults.forRequest('POST', '/nope').applied.length, 0)
    assert.equal(counters.get('fault.server-unavailable'), 1)
    assert.equal(counters.get('fault.server-error'), 1)
    assert.equal(counters.get('fault.latency'), 4)
  })

  test('refund gives a scripted fault its turn back and uncounts it', () => {
    const { faults, counters } = injector()
    faults.addRules([{ path: '/r', fault: { kind: 'truncated-csv' }, times: 1 }])
    const hit = faults.forRequest('GET', '/r').fault
    assert.ok(hit)
    faults.refund(hit)
    assert.equal(counters.get('fault.truncated-csv'), 0)
    assert.equal(faults.forRequest('GET', '/r').fault?.kind, 'truncated-csv')
    assert.equal(faults.listRules()[0]?.remaining, 0)
  })

  test('bulkJobFault hands job faults to the Bulk layer by job kind and notes them on the request', () => {
    const { faults, counters } = injector()
    faults.addRules([
      { job: 'ingest', fault: { kind: 'job-failed', message: 'boom' }, times: 1 },
      { job: 'query', fault: { kind: 'job-stall', ms: 30_000 }, times: 1 },
      { fault: { kind: 'job-query-timeout' }, times: 1 },
    ])
    const raw = {}
    assert.deepEqual(faults.bulkJobFault('query', { raw }), { kind: 'stall', ms: 30_000 })
    const timeout = faults.bulkJobFault('query')
    assert.equal(timeout?.kind, 'query-timeout')
    assert.match(timeout && 'message' in timeout ? timeout.message : '', /QUERY_TIMEOUT/)
    assert.equal(faults.bulkJobFault('query'), undefined)
    assert.deepEqual(faults.bulkJobFault('ingest'), { kind: 'fail', message: 'boom' })
    assert.deepEqual(
      faults.requestFaults(raw).map((f) => f.kind),
      ['job-stall'],
    )
    assert.equal(counters.get('fault.job-stall'), 1)
    // Job rules never touch HTTP requests.
    assert.equal(faults.forRequest('POST', '/services/data/v60.0/jobs/query').applied.length, 0)
  })

  test('sessions revoked without an OAuth revoker are remembered; with one, it is called', () => {
    const { faults } = injector()
    faults.revokeSession('tok-1')
    assert.ok(faults.isRevokedLocally('tok-1'))
    const revoked: string[] = []
    faults.setSessionRevoker((t) => revoked.push(t))
    faults.revokeSession('tok-2')
    assert.deepEqual(revoked, ['tok-2'])
    assert.ok(!faults.isRevokedLocally('tok-2'))
  })
})

describe('RequestLog', () => {
  const entry = {
    at: '2026-01-01T00:00:00.000Z',
    method: 'GET',
    path: '/',
    status: 200,
    durationMs: 1,
    completed: true,
  }

  test('keeps the newest entries, reports what it dropped, and pages with a cursor', () => {
    const log = new RequestLog(3)
    for (let i = 0; i < 5; i++) log.add({ ...entry, path: `/${i + 1}` })
    const all = log.since(0)
    assert.deepEqual(
      all.requests.map((r) => [r.seq, r.path]),
      [
        [3, '/3'],
        [4, '/4'],
        [5, '/5'],
      ],
    )
    assert.equal(all.dropped, 2)
    assert.equal(all.lastSeq, 5)
    const page = log.since(3, 1)
    assert.deepEqual(
      page.requests.map((r) => r.seq),
      [4],
    )
    assert.equal(page.lastSeq, 4)
    assert.equal(page.latestSeq, 5)
    assert.equal(page.dropped, 0)
    assert.deepEqual(log.since(5), { requests: [], lastSeq: 5, latestSeq: 5, dropped: 0 })
    log.clear()
    assert.deepEqual(log.since(5), { requests: [], lastSeq: 5, latestSeq: 5, dropped: 0 })
    assert.equal(log.add(entry).seq, 6)
  })
})

describe('body faults', () => {
  const csv = Buffer.from('"Id","Name"\n"1","a\nb"\n"2","c"\n"3","d"\n')

  test('truncateCsv always loses at least the last record, never the header', () => {
    const seen = new Set<number>()
    for (let i = 0; i < 100; i++) {
      const cut = truncateCsv(csv, i / 100)
      assert.ok(cut)
      assert.ok(cut.length >= '"Id","Name"\n'.length)
      assert.ok(cut.length <= csv.indexOf('"3"'))
      seen.add(cut.length)
    }
    assert.ok(seen.size > 5, 'cut positions vary with the draw')
    assert.equal(truncateCsv(Buffer.from('"Id"\n'), 0.5), undefined)
  })

  test('a gzip page is truncated inside and re-encoded', () => {
    const cut = truncateEncodedCsv(gzipSync(csv), 'gzip', 0.99)
    assert.ok(cut)
    const plain = gunzipSync(cut)
    assert.ok(plain.length < csv.length && csv.subarray(0, plain.length).equals(plain))
    assert.equal(truncateEncodedCsv(csv, 'compress', 0.5), undefined)
  })

  test('bodyThatDrops sends a proper prefix of the body, then drops instead of ending', async () => {
    for (const source of [() => csv, () => Readable.from([csv.subarray(0, 10), csv.subarray(10)])]) {
      let dropped = false
      const stream = bodyThatDrops(source(), 0.5, () => {
        dropped = true
        stream.destroy()
      })
      const chunks: Buffer[] = []
      await new Promise<void>((resolve) => {
        stream.on('data', (c: Buffer) => chunks.push(c))
        stream.on('close', resolve)
        stream.on('end', resolve)
      })
      const sent = Buffer.concat(chunks)
      assert.ok(dropped)
      assert.ok(sent.length > 0 && sent.length < csv.length)
      assert.ok(csv.subarray(0, sent.length).equals(sent))
    }
  })
})
