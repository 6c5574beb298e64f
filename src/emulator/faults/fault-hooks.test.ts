import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { parse } from 'csv-parse/sync'
import { startFaultTestApp, CSV_ROWS, type FaultTestApp } from './testing/fault-test-app.ts'
import { RetryingClient, ClientGaveUp } from './testing/retrying-client.ts'
import type { RequestLogPage } from './request-log.ts'

const QUERY = '/services/data/v62.0/query?q=SELECT+Name+FROM+Account'
const RESULTS = '/services/data/v62.0/jobs/query/750000000000001AAA/results'
const STREAMED_RESULTS = '/services/data/v62.0/jobs/query/750S00000000001AAA/results'

async function addRules(t: FaultTestApp, rules: unknown[]): Promise<void> {
  const res = await t.control('POST', '/__emulator/faults', { rules })
  assert.equal(res.status, 201, JSON.stringify(res.body))
}

async function log(t: FaultTestApp, since = 0): Promise<RequestLogPage> {
  const res = await t.control('GET', `/__emulator/requests?since=${since}`)
  assert.equal(res.status, 200)
  return res.body as RequestLogPage
}

async function get(t: FaultTestApp, path: string, token: string) {
  const res = await request(`${t.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })
  const body = Buffer.from(await res.body.arrayBuffer())
  return { status: res.statusCode, headers: res.headers, body }
}

/** Indexes (0-based, among data requests) of the requests that got `kind`. */
function faultPositions(page: RequestLogPage, kind: string): number[] {
  return page.requests
    .filter((r) => r.path.startsWith('/services/data/'))
    .flatMap((r, i) => (r.faults?.includes(kind) ? [i] : []))
}

describe('faults by rate are deterministic under a seed', () => {
  async function run(seed: string): Promise<number[]> {
    const t = await startFaultTestApp(seed)
    try {
      await addRules(t, [
        { method: 'GET', path: '/services/data/*/query', fault: { kind: 'server-unavailable' }, rate: 0.3 },
      ])
      const token = await t.login()
      for (let i = 0; i < 40; i++) await get(t, QUERY, token)
      return faultPositions(await log(t), 'server-unavailable')
    } finally {
      await t.close()
    }
  }

  test('the same seed gives the same positions; another seed gives others', async () => {
    const first = await run('seed-a')
    const second = await run('seed-a')
    const other = await run('seed-b')
    assert.deepEqual(first, second)
    assert.ok(first.length > 0 && first.length < 40, `some but not all requests faulted: ${first.length}`)
    assert.notDeepEqual(first, other)
  })
})

describe('HTTP faults over real HTTP', () => {
  let t: FaultTestApp
  let token: string
  before(async () => {
    t = await startFaultTestApp('hooks')
    token = await t.login()
  })
  after(async () => {
    await t.close()
  })

  async function fresh(): Promise<number> {
    assert.equal((await t.control('DELETE', '/__emulator/faults')).status, 204)
    return (await log(t)).lastSeq
  }

  test('a scripted rule faults exactly the next N matching requests, after skip', async () => {
    const since = await fresh()
    await addRules(t, [
      { path: '/services/data/*/query', fault: { kind: 'server-error' }, times: 2, skip: 1 },
    ])
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) statuses.push((await get(t, QUERY, token)).status)
    assert.deepEqual(statuses, [200, 500, 500, 200, 200])
    const listed = (await t.control('GET', '/__emulator/faults')).body as {
      rules: Array<{ matched: number; fired: number; remaining: number }>
    }
    assert.deepEqual(
      listed.rules.map((r) => [r.matched, r.fired, r.remaining]),
      [[5, 2, 0]],
    )
    assert.deepEqual(faultPositions(await log(t, since), 'server-error'), [1, 2])
  })

  test('500 carries UNKNOWN_EXCEPTION with an ErrorId; the client retries and recovers', async () => {
    await fresh()
    await addRules(t, [{ path: '/services/data/*/query', fault: { kind: 'server-error' }, times: 2 }])
    const raw = await get(t, QUERY, token)
    const body = JSON.parse(raw.body.toString()) as Array<{ errorCode: string; message: string }>
    assert.equal(body[0]?.errorCode, 'UNKNOWN_EXCEPTION')
    assert.match(body[0]?.message ?? '', /^An unexpected error occurred\. .*ErrorId.*: \d+-\d+ \(-?\d+\)$/)
    const client = new RetryingClient({ baseUrl: t.baseUrl, login: () => t.login() })
    const result = (await client.getJson(QUERY)) as { done: boolean }
    assert.equal(result.done, true)
    assert.deepEqual(
      client.events.map((e) => `${e.outcome}:${e.status ?? ''}`),
      ['retry:500', 'ok:200'],
    )
  })

  test('503 SERVER_UNAVAILABLE and 429 REQUEST_LIMIT_EXCEEDED are retried with backoff', async () => {
    await fresh()
    await addRules(t, [
      { path: '/services/data/*/query', fault: { kind: 'server-unavailable' }, times: 1 },
      { path: '/services/data/*/query', fault: { kind: 'too-many-requests' }, times: 1 },
    ])
    const client = new RetryingClient({ baseUrl: t.baseUrl, login: () => t.login() })
    await client.getJson(QUERY)
    assert.deepEqual(
      client.events.map((e) => `${e.outcome}:${e.status ?? ''}:${e.reason ?? ''}`),
      ['retry:503:SERVER_UNAVAILABLE', 'retry:429:REQUEST_LIMIT_EXCEEDED', 'ok:200:'],
    )
  })

  test('403 REQUEST_LIMIT_EXCEEDED stops a well-behaved client at once', async () => {
    await fresh()
    await addRules(t, [{ path: '/services/data/**', fault: { kind: 'request-limit-exceeded' }, rate: 1 }])
    const raw = await get(t, QUERY, token)
    assert.equal(raw.status, 403)
    assert.deepEqual(JSON.parse(raw.body.toString()), [
      { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
    ])
    const client = new RetryingClient({ baseUrl: t.baseUrl, login: () => t.login() })
    await assert.rejects(client.getJson(QUERY), (err: unknown) => {
      assert.ok(err instanceof ClientGaveUp)
      assert.equal(err.errorCode, 'REQUEST_LIMIT_EXCEEDED')
      return true
    })
    assert.equal(client.events.length, 1)
    await fresh()
    assert.equal((await get(t, QUERY, token)).status, 200)
  })

  test('INVALID_SESSION_ID revokes the session: the token stays dead, the client logs in again', async () => {
    await fresh()
    const victim = await t.login()
    await addRules(t, [{ path: '/services/data/*/query', fault: { kind: 'invalid-session' }, times: 1 }])
    const first = await get(t, QUERY, victim)
    assert.equal(first.status, 401)
    assert.deepEqual(JSON.parse(first.body.toString()), [
      { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
    ])
    // The rule is spent, yet the same token is still refused: the session was revoked, not just one answer.
    assert.equal((await get(t, QUERY, victim)).status, 401)
    await addRules(t, [{ path: '/services/data/*/query', fault: { kind: 'invalid-session' }, times: 1 }])
    const client = new RetryingClient({ baseUrl: t.baseUrl, login: () => t.login() })
    await client.getJson(QUERY)
    assert.deepEqual(
      client.events.map((e) => e.outcome),
      ['reauth', 'ok'],
    )
  })

  test('latency delays the request by at least the configured time', async () => {
    const since = await fresh()
    await addRules(
      t,
      [{ method: 'GET', path: '/services/data/*/query', fault: { kind: 'latency', ms: 120 } }].map((r) => ({
        ...r,
        rate: 1,
      })),
    )
    assert.equal((await get(t, QUERY, token)).status, 200)
    const entry = (await log(t, since)).requests.find((r) => r.path.endsWith('/query'))
    assert.ok(entry)
    assert.deepEqual(entry.faults, ['latency'])
    assert.ok(entry.durationMs >= 120, `took ${entry.durationMs} ms`)
  })

  test('414 can be forced on a short URI', async () => {
    await fresh()
    await addRules(t, [{ path: '/services/data/*/query', fault: { kind: 'uri-too-long' }, times: 1 }])
    const res = await get(t, QUERY, token)
    assert.equal(res.status, 414)
    assert.equal(
      (JSON.parse(res.body.toString()) as Array<{ errorCode: string }>)[0]?.errorCode,
      'URI_TOO_LONG',
    )
  })

  test('a connection reset cuts a JSON body short; the client retries', async () => {
    const since = await fresh()
    await addRules(t, [{ path: '/services/data/*/query', fault: { kind: 'connection-reset' }, times: 1 }])
    await assert.rejects(get(t, QUERY, token))
    const entry = (await log(t, since)).requests.find((r) => r.path.endsWith('/query'))
    assert.ok(entry)
    assert.equal(entry.completed, false)
    assert.deepEqual(entry.faults, ['connection-reset'])
    await addRules(t, [{ path: '/services/data/*/query', fault: { kind: 'connection-reset' }, times: 1 }])
    const client = new RetryingClient({ baseUrl: t.baseUrl, login: () => t.login() })
    await client.getJson(QUERY)
    assert.deepEqual(
      client.events.map((e) => e.outcome),
      ['retry', 'ok'],
    )
  })

  test('a connection reset cuts a streamed CSV page short; the client re-fetches the page', async () => {
    await fresh()
    await addRules(t, [
      { path: '/services/data/*/jobs/query/*/results', fault: { kind: 'connection-reset' }, times: 1 },
    ])
    const client = new RetryingClient({ baseUrl: t.baseUrl, login: () => t.login() })
    const page = await client.getCsvPage(STREAMED_RESULTS)
    assert.equal(page.records.length, CSV_ROWS)
    assert.deepEqual(
      client.events.map((e) => e.outcome),
      ['retry', 'ok'],
    )
  })

  for (const [label, path] of [
    ['a CSV string', RESULTS],
    ['a streamed CSV', STREAMED_RESULTS],
  ] as const) {
    test(`a truncated CSV page (${label}) has a consistent Content-Length and fewer records than announced`, async () => {
      await fresh()
      await addRules(t, [
        { path: '/services/data/*/jobs/query/*/results', fault: { kind: 'truncated-csv' }, times: 1 },
      ])
      const cut = await get(t, path, token)
      assert.equal(cut.status, 200)
      assert.equal(Number(cut.headers['content-length']), cut.body.length)
      assert.equal(cut.headers['sforce-numberofrecords'], String(CSV_ROWS))
      let complete: number
      try {
        const rows: string[][] = parse(cut.body)
        complete = rows.length - 1
      } catch {
        complete = -1 // a record cut inside its quotes does not even parse
      }
      assert.ok(complete < CSV_ROWS, `got ${complete} of ${CSV_ROWS} records`)
      const full = await get(t, path, token)
      const fullRows: string[][] = parse(full.body)
      assert.equal(fullRows.length - 1, CSV_ROWS)

      await addRules(t, [
        { path: '/services/data/*/jobs/query/*/results', fault: { kind: 'truncated-csv' }, times: 1 },
      ])
      const client = new RetryingClient({ baseUrl: t.baseUrl, login: () => t.login() })
      const page = await client.getCsvPage(path)
      assert.equal(page.records.length, CSV_ROWS)
      assert.equal(page.locator, 'null')
      assert.deepEqual(
        client.events.map((e) => e.outcome),
        ['refetch', 'ok'],
      )
    })
  }

  test('truncated-csv does not touch a JSON body and stays queued for the next CSV page', async () => {
    await fresh()
    await addRules(t, [{ path: '/services/data/**', fault: { kind: 'truncated-csv' }, times: 1 }])
    const json = await get(t, QUERY, token)
    assert.equal(json.status, 200)
    assert.equal((JSON.parse(json.body.toString()) as { done: boolean }).done, true)
    const csv = await get(t, RESULTS, token)
    assert.ok(csv.body.length < (await get(t, RESULTS, token)).body.length)
  })

  test('faults are counted in org.counters as fault.<kind>', async () => {
    await fresh()
    const before = t.org.counters.get('fault.server-unavailable')
    await addRules(t, [{ path: '/services/data/*/query', fault: { kind: 'server-unavailable' }, times: 3 }])
    for (let i = 0; i < 4; i++) await get(t, QUERY, token)
    assert.equal(t.org.counters.get('fault.server-unavailable') - before, 3)
  })
})

describe('control API and request log', () => {
  let t: FaultTestApp
  before(async () => {
    t = await startFaultTestApp('control')
  })
  after(async () => {
    await t.close()
  })

  test('needs the control token', async () => {
    for (const method of ['GET', 'POST', 'DELETE'] as const) {
      const res = await request(`${t.baseUrl}/__emulator/faults`, { method })
      assert.equal(res.statusCode, 401)
      await res.body.dump()
    }
    const res = await request(`${t.baseUrl}/__emulator/requests`)
    assert.equal(res.statusCode, 401)
    await res.body.dump()
  })

  test('refuses invalid rules with a readable message', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{}, /Give \{"rules"/],
      [{ rules: [{ path: '/x', fault: { kind: 'server-error' } }] }, /give "rate".*or "times"/],
      [
        { rules: [{ path: 'x', fault: { kind: 'server-error' }, times: 1 }] },
        /rules\[0\] at path: .*starts with \//,
      ],
      [{ rules: [{ path: '/x', fault: { kind: 'nope' }, times: 1 }] }, /rules\[0\] at fault\.kind/],
      [
        { rules: [{ job: 'query', fault: { kind: 'server-error' }, times: 1 }] },
        /"job" is only for the job-\* faults/,
      ],
      [{ rules: [{ path: '/x', fault: { kind: 'job-stall', ms: 5 }, times: 1 }] }, /matches Bulk jobs/],
      [{ rules: [{ path: '/x', fault: { kind: 'latency', ms: 5 }, rate: 2 }] }, /rules\[0\] at rate/],
    ]
    for (const [body, message] of cases) {
      const res = await t.control('POST', '/__emulator/faults', body)
      assert.equal(res.status, 400, JSON.stringify(body))
      const error = (res.body as Array<{ errorCode: string; message: string }>)[0]
      assert.equal(error?.errorCode, 'INVALID_REQUEST')
      assert.match(error?.message ?? '', message)
    }
  })

  test('lists, removes one, clears; the control API itself is never faulted', async () => {
    await addRules(t, [
      { id: 'everything', path: '/**', fault: { kind: 'server-error' }, rate: 1 },
      { id: 'later', path: '/services/data/**', fault: { kind: 'latency', ms: 1 }, times: 3 },
    ])
    const dup = await t.control('POST', '/__emulator/faults', {
      rules: [{ id: 'later', path: '/y', fault: { kind: 'server-error' }, times: 1 }],
    })
    assert.equal(dup.status, 400)
    const listed = await t.control('GET', '/__emulator/faults')
    assert.equal(listed.status, 200)
    assert.deepEqual(
      (listed.body as { rules: Array<{ id: string; remaining: number | null }> }).rules.map((r) => [
        r.id,
        r.remaining,
      ]),
      [
        ['everything', null],
        ['later', 3],
      ],
    )
    assert.equal((await t.control('DELETE', '/__emulator/faults/everything')).status, 204)
    assert.equal((await t.control('DELETE', '/__emulator/faults/everything')).status, 404)
    assert.equal((await t.control('DELETE', '/__emulator/faults')).status, 204)
    assert.deepEqual((await t.control('GET', '/__emulator/faults')).body, { rules: [] })
  })

  test('logs every request without query strings, tokens or bodies, and reads on from a cursor', async () => {
    const start = (await log(t)).lastSeq
    const token = await t.login()
    await get(t, `${QUERY}&secret=hunter2`, token)
    await request(`${t.baseUrl}/services/data/v62.0/nothing-here`, {
      headers: { authorization: `Bearer ${token}` },
    }).then((r) => r.body.dump())
    const page = await log(t, start)
    const paths = page.requests.map((r) => `${r.method} ${r.path} ${r.status}`)
    assert.ok(paths.includes('GET /services/data/v62.0/query 200'), paths.join('\n'))
    assert.ok(paths.includes('GET /services/data/v62.0/nothing-here 404'), paths.join('\n'))
    const text = JSON.stringify(page)
    assert.ok(!text.includes('hunter2') && !text.includes(token) && !text.includes('SELECT'))
    const seqs = page.requests.map((r) => r.seq)
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    )
    const rest = await log(t, page.lastSeq)
    assert.ok(rest.requests.every((r) => r.seq > page.lastSeq))
    const bad = await t.control('GET', '/__emulator/requests?since=-1')
    assert.equal(bad.status, 400)
  })
})
