import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isolatedSqlitePath } from '../../test/support/isolation.ts'
import { openTestClient, startTestOrg } from '../../test/support/salesforce/emulator-fixture.ts'
import { HttpTransport, parseLimitInfo } from './http-transport.ts'
import { createLogger, SecretValues } from '../secrets/redacting-logger.ts'
import { OrgUnreachableError } from './errors.ts'

function transport(sleeps: number[], maxRetries = 3) {
  const log = createLogger({ level: 'silent', secrets: new SecretValues() })
  return new HttpTransport({
    fetch: globalThis.fetch,
    log,
    maxRetries,
    random: () => 0.5,
    sleep: async (ms) => void sleeps.push(ms),
  })
}

test('parses Sforce-Limit-Info', () => {
  assert.deepEqual(parseLimitInfo('api-usage=18/15000'), { used: 18, limit: 15000 })
  assert.deepEqual(parseLimitInfo('per-app-api-usage=1/100(appName=x), api-usage=7/5000'), {
    used: 7,
    limit: 5000,
  })
  assert.equal(parseLimitInfo(null), undefined)
})

test('backoff grows exponentially with jitter and honours Retry-After', () => {
  const http = transport([])
  assert.deepEqual(
    [1, 2, 3, 4].map((a) => http.delayFor(a, null)),
    [188, 375, 750, 1500],
  )
  assert.equal(http.delayFor(1, '3'), 3000)
})

test('503 and 429 answers are retried until the org answers', async (t) => {
  const org = await startTestOrg(t)
  await org.control('POST', '/faults', {
    rules: [
      { method: 'GET', path: '/services/data', fault: { kind: 'server-unavailable' }, times: 1 },
      { method: 'GET', path: '/services/data', fault: { kind: 'too-many-requests' }, times: 1 },
    ],
  })
  const sleeps: number[] = []
  const res = await transport(sleeps).send({ method: 'GET', url: `${org.info.instanceUrl}/services/data` })
  assert.equal(res.status, 200)
  assert.ok(Array.isArray(res.json))
  assert.equal(sleeps.length, 2)
})

test('a POST is not replayed after a 500 (it may have been processed), but is after a 503', async (t) => {
  const org = await startTestOrg(t)
  await org.control('POST', '/faults', {
    rules: [
      { method: 'POST', path: '/services/oauth2/introspect', fault: { kind: 'server-error' }, times: 1 },
    ],
  })
  const sleeps: number[] = []
  const http = transport(sleeps)
  const res = await http.send({
    method: 'POST',
    url: `${org.info.instanceUrl}/services/oauth2/introspect`,
    body: 'token=x',
  })
  assert.equal(res.status, 500)
  assert.equal(sleeps.length, 0)
  await org.control('POST', '/faults', {
    rules: [
      {
        method: 'POST',
        path: '/services/oauth2/introspect',
        fault: { kind: 'server-unavailable' },
        times: 1,
      },
    ],
  })
  const again = await http.send({
    method: 'POST',
    url: `${org.info.instanceUrl}/services/oauth2/introspect`,
    body: 'token=x',
  })
  assert.notEqual(again.status, 503)
  assert.equal(sleeps.length, 1)
})

test('a connection reset mid-body is retried for idempotent requests', async (t) => {
  const org = await startTestOrg(t)
  await org.control('POST', '/faults', {
    rules: [{ method: 'GET', path: '/services/data', fault: { kind: 'connection-reset' }, times: 1 }],
  })
  const sleeps: number[] = []
  const res = await transport(sleeps).send({ method: 'GET', url: `${org.info.instanceUrl}/services/data` })
  assert.equal(res.status, 200)
  assert.ok(Array.isArray(res.json))
  assert.equal(sleeps.length, 1)
})

test('an org that stays down ends as OrgUnreachableError after the retries', async (t) => {
  const org = await startTestOrg(t)
  const url = `${org.info.instanceUrl}/services/data`
  await org.close()
  const sleeps: number[] = []
  await assert.rejects(
    transport(sleeps, 2).send({ method: 'GET', url }),
    (e: unknown) => e instanceof OrgUnreachableError && /connection was refused/.test(e.message),
  )
  assert.equal(sleeps.length, 2)
})

test('authenticated calls record the API usage from Sforce-Limit-Info', async (t) => {
  const org = await startTestOrg(t)
  const tc = await openTestClient(t, { stateUrl: `sqlite:${isolatedSqlitePath(t)}` })
  await tc.service.connect({
    name: 'emu',
    instanceUrl: org.info.instanceUrl,
    clientId: org.info.consumerKey,
    clientSecret: org.info.consumerSecret,
    flow: 'client_credentials',
    callbackUrl: 'http://127.0.0.1:53682/callback',
  })
  const sf = tc.client('emu')
  await sf.json('GET', sf.dataPath('limits'))
  const usage = tc.http.lastApiUsage
  assert.ok(usage && usage.limit > 0 && usage.used >= 1)
})
