import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { isolatedSqlitePath } from '../../../test/support/isolation.ts'
import { openTestClient, startTestOrg } from '../../../test/support/salesforce/emulator-fixture.ts'
import { runDeviceFlow } from './device-flow.ts'
import { OAuthError } from '../errors.ts'

describe('device flow polling against the emulator', () => {
  test('honours slow_down by polling less often, then succeeds once approved', async (t) => {
    const org = await startTestOrg(t)
    const tc = await openTestClient(t, { stateUrl: `sqlite:${isolatedSqlitePath(t)}` })
    const waits: number[] = []
    let userCode = ''
    // The emulated clock stands in for waiting; the second wait is cut short to provoke slow_down.
    const sleep = async (ms: number) => {
      waits.push(ms)
      await org.control('POST', '/clock/advance', { ms: waits.length === 2 ? 1_000 : ms })
      if (waits.length === 3) await org.control('POST', '/oauth/device/approve', { userCode })
    }
    const token = await runDeviceFlow({
      oauth: tc.oauth,
      host: org.info.instanceUrl,
      client: { clientId: org.info.consumerKey, clientSecret: org.info.consumerSecret },
      onPrompt: (p) => (userCode = p.userCode),
      sleep,
    })
    assert.match(token.access_token, /^00D/)
    assert.deepEqual(waits, [5_000, 5_000, 10_000], 'the interval grows by 5 s after slow_down')
  })

  test('stops with a clear error when nobody approves before the time limit', async (t) => {
    const org = await startTestOrg(t)
    const tc = await openTestClient(t, { stateUrl: `sqlite:${isolatedSqlitePath(t)}` })
    let clock = 0
    const err = await runDeviceFlow({
      oauth: tc.oauth,
      host: org.info.instanceUrl,
      client: { clientId: org.info.consumerKey, clientSecret: org.info.consumerSecret },
      onPrompt: () => undefined,
      timeoutMs: 12_000,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms
        await org.control('POST', '/clock/advance', { ms })
      },
    }).then(
      () => assert.fail('expected expiry'),
      (e: unknown) => e,
    )
    assert.ok(err instanceof Error)
    assert.match(err.message, /Nobody approved the device code in time/)
    assert.equal(clock, 10_000, 'two polls at the 5 s interval, the third would pass the limit')
  })

  test('a device code the org has expired ends with its answer explained', async (t) => {
    const org = await startTestOrg(t)
    const tc = await openTestClient(t, { stateUrl: `sqlite:${isolatedSqlitePath(t)}` })
    const err = await runDeviceFlow({
      oauth: tc.oauth,
      host: org.info.instanceUrl,
      client: { clientId: org.info.consumerKey, clientSecret: org.info.consumerSecret },
      onPrompt: () => undefined,
      sleep: async () => {
        await org.control('POST', '/clock/advance', { seconds: 11 * 60 })
      },
    }).then(
      () => assert.fail('expected an OAuthError'),
      (e: unknown) => e,
    )
    assert.ok(err instanceof OAuthError)
    assert.equal(err.oauthError, 'invalid_grant')
    assert.equal(err.oauthErrorDescription, 'token exchange failed')
    assert.match(err.nextStep ?? '', /sfsync login --device/)
  })

  test('a denial ends with access_denied explained', async (t) => {
    const org = await startTestOrg(t)
    const tc = await openTestClient(t, { stateUrl: `sqlite:${isolatedSqlitePath(t)}` })
    let userCode = ''
    const err = await runDeviceFlow({
      oauth: tc.oauth,
      host: org.info.instanceUrl,
      client: { clientId: org.info.consumerKey, clientSecret: org.info.consumerSecret },
      onPrompt: (p) => (userCode = p.userCode),
      sleep: async (ms) => {
        await org.control('POST', '/oauth/device/deny', { userCode })
        await org.control('POST', '/clock/advance', { ms })
      },
    }).then(
      () => assert.fail('expected an OAuthError'),
      (e: unknown) => e,
    )
    assert.ok(err instanceof OAuthError)
    assert.equal(err.oauthError, 'access_denied')
    assert.match(err.message, /denied access/)
  })
})
