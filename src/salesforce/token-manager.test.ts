import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  databaseUrl,
  isolatedPgSchema,
  isolatedSqlitePath,
  type TestContextLike,
} from '../../test/support/isolation.ts'
import { openTestClient, startTestOrg, type TestOrg } from '../../test/support/salesforce/emulator-fixture.ts'
import { AuthError } from './errors.ts'
import { sealContext } from './token-manager.ts'

const CC = 'oauth.token.client_credentials'

/** Ends every session of the org as Salesforce's session timeout would: 60 s timeout, clock 2 min on. */
async function expireSessions(org: TestOrg): Promise<void> {
  await org.patchApp({ sessionTimeoutSeconds: 60 })
  await org.control('POST', '/clock/advance', { seconds: 120 })
}

async function connectCc(
  t: TestContextLike,
  org: TestOrg,
  location: { stateUrl: string; stateSchema?: string },
  key?: Buffer,
) {
  const tc = await openTestClient(t, location, key)
  await tc.service.connect({
    name: 'emu',
    instanceUrl: org.info.instanceUrl,
    clientId: org.info.consumerKey,
    clientSecret: org.info.consumerSecret,
    flow: 'client_credentials',
    callbackUrl: 'http://127.0.0.1:53682/callback',
  })
  return tc
}

describe('token manager against the emulator', () => {
  test('a valid token is reused: 30 calls, one token request (the connect)', async (t) => {
    const org = await startTestOrg(t)
    const tc = await connectCc(t, org, { stateUrl: `sqlite:${isolatedSqlitePath(t)}` })
    const sf = tc.client('emu')
    for (let i = 0; i < 30; i++) await sf.json('GET', sf.dataPath(''))
    assert.equal((await org.counters())[CC], 1)
  })

  test('20 concurrent requests meeting an expired token cause exactly 1 token request, then all succeed', async (t) => {
    const org = await startTestOrg(t)
    const tc = await connectCc(t, org, { stateUrl: `sqlite:${isolatedSqlitePath(t)}` })
    const sf = tc.client('emu')
    await sf.json('GET', sf.dataPath(''))
    await expireSessions(org)
    await org.resetCounters()
    const results = await Promise.all(
      Array.from({ length: 20 }, () => sf.json<Record<string, string>>('GET', sf.dataPath(''))),
    )
    assert.equal(results.length, 20)
    assert.ok(results.every((r) => typeof r === 'object' && r !== null))
    assert.equal((await org.counters())[CC], 1, 'one token request for 20 callers')
    assert.equal((await tc.store.getToken('emu'))?.generation, 2)
  })

  for (const flavour of ['sqlite', 'postgres'] as const) {
    test(`two processes sharing the state (${flavour}), 20 requests each on an expired token: still 1 token request`, async (t) => {
      const org = await startTestOrg(t)
      const key = randomBytes(32)
      const location =
        flavour === 'sqlite'
          ? { stateUrl: `sqlite:${isolatedSqlitePath(t)}`, stateSchema: 'sfsync' }
          : { stateUrl: databaseUrl(), stateSchema: await isolatedPgSchema(t) }
      const tc = await connectCc(t, org, location, key)
      await expireSessions(org)
      await org.resetCounters()
      const startAt = Date.now() + 2_500
      const script = new URL('../../test/support/salesforce/concurrent-requests.ts', import.meta.url).pathname
      const run = () =>
        new Promise<{ fulfilled: number; errors: string[] }>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            [script, location.stateUrl, location.stateSchema, 'emu', '20', String(startAt)],
            {
              stdio: ['ignore', 'pipe', 'pipe'],
              env: { ...process.env, TEST_MASTER_KEY_HEX: key.toString('hex') },
            },
          )
          let out = ''
          let err = ''
          child.stdout.on('data', (d: Buffer) => (out += d.toString()))
          child.stderr.on('data', (d: Buffer) => (err += d.toString()))
          child.once('close', (code) =>
            code === 0
              ? resolve(JSON.parse(out) as { fulfilled: number; errors: string[] })
              : reject(new Error(`exit ${code}: ${err}`)),
          )
        })
      const [a, b] = await Promise.all([run(), run()])
      assert.deepEqual(a, { fulfilled: 20, errors: [] })
      assert.deepEqual(b, { fulfilled: 20, errors: [] })
      assert.equal((await org.counters())[CC], 1, 'one token request across both processes')
      assert.equal((await tc.store.getToken('emu'))?.generation, 2)
    })
  }

  test('a token in doubt is introspected: an inactive one is renewed before any API call fails', async (t) => {
    const org = await startTestOrg(t)
    const tc = await connectCc(t, org, { stateUrl: `sqlite:${isolatedSqlitePath(t)}` })
    await org.control('POST', '/sessions/revoke', {})
    await org.resetCounters()
    const sf = tc.client('emu', { doubtAfterMs: 0 })
    await sf.json('GET', sf.dataPath(''))
    const counters = await org.counters()
    assert.equal(counters[CC], 1)
    assert.equal(counters['POST /services/oauth2/introspect'], 1)
    const calls = Object.entries(counters).filter(([k]) => k.startsWith('GET /services/data'))
    assert.equal(
      calls.reduce((n, [, v]) => n + v, 0),
      1,
      'the API saw one call: no 401 and replay',
    )
  })

  test('a token in doubt that is still active is kept', async (t) => {
    const org = await startTestOrg(t)
    const tc = await connectCc(t, org, { stateUrl: `sqlite:${isolatedSqlitePath(t)}` })
    await org.resetCounters()
    const sf = tc.client('emu', { doubtAfterMs: 0 })
    await sf.json('GET', sf.dataPath(''))
    const counters = await org.counters()
    assert.equal(counters[CC] ?? 0, 0)
    assert.equal(counters['POST /services/oauth2/introspect'], 1)
  })

  test('INVALID_SESSION_ID twice: one re-authentication and replay, then an AuthError naming the likely cause', async (t) => {
    const org = await startTestOrg(t)
    const tc = await connectCc(t, org, { stateUrl: `sqlite:${isolatedSqlitePath(t)}` })
    const sf = tc.client('emu')
    await org.control('POST', '/faults', {
      rules: [{ path: '/services/data/**', fault: { kind: 'invalid-session' }, times: 2 }],
    })
    await org.resetCounters()
    const err = await sf.json('GET', sf.dataPath('')).then(
      () => assert.fail('expected an AuthError'),
      (e: unknown) => e,
    )
    assert.ok(err instanceof AuthError)
    assert.equal(err.errorCode, 'INVALID_SESSION_ID')
    assert.match(err.message, /freshly issued token/)
    assert.match(err.message, /API Enabled|inactive|revoked/)
    assert.equal((await org.counters())[CC], 1, 'exactly one re-authentication')
    // Once the fault is spent, the next call works with the renewed token.
    await sf.json('GET', sf.dataPath(''))
  })

  test('a rotated refresh token is persisted before use, and the next refresh uses it', async (t) => {
    const org = await startTestOrg(t)
    await org.patchApp({ scopes: ['api', 'refresh_token'], refreshTokenRotation: true })
    const tc = await openTestClient(t, { stateUrl: `sqlite:${isolatedSqlitePath(t)}` })
    await tc.service.connect({
      name: 'dev',
      instanceUrl: org.info.instanceUrl,
      clientId: org.info.consumerKey,
      clientSecret: org.info.consumerSecret,
      flow: 'device',
      callbackUrl: 'http://127.0.0.1:53682/callback',
      onDevicePrompt: (p) => {
        void org.control('POST', '/oauth/device/approve', { userCode: p.userCode })
      },
    })
    const readRefresh = async () => {
      const conn = await tc.store.getConnection('dev')
      assert.ok(conn?.refreshTokenSealed)
      return tc.box.open(conn.refreshTokenSealed, sealContext.refreshToken('dev'))
    }
    const first = await readRefresh()
    const sf = tc.client('dev')
    await expireSessions(org)
    await sf.json('GET', sf.dataPath(''))
    const second = await readRefresh()
    assert.notEqual(second, first, 'the rotated refresh token replaced the old one')
    const state = async (token: string) =>
      ((await org.control('POST', '/oauth/token-state', { token })) as { state: string }).state
    assert.equal(await state(first), 'rotated')
    assert.equal(await state(second), 'active')
    await org.control('POST', '/clock/advance', { seconds: 120 })
    await sf.json('GET', sf.dataPath(''))
    const third = await readRefresh()
    assert.notEqual(third, second)
    assert.equal((await org.counters())['oauth.token.refresh_token'], 2)
    const accessToken = tc.box.open(
      (await tc.store.getToken('dev'))?.accessTokenSealed ?? '',
      sealContext.accessToken('dev'),
    )
    const log = tc.logText()
    assert.match(log, /access token renewed/, 'the debug log has lines')
    for (const secret of [first, second, third, accessToken, org.info.consumerSecret])
      assert.equal(log.includes(secret), false)
  })
})
