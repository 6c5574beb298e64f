import { after, before, beforeEach, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Connection } from 'jsforce'
import { startOAuthTestServer, type OAuthTestServer } from './oauth-test-server.ts'
import { CLI_CALLBACK_URL, LOOPBACK_CALLBACK_URL } from './connected-app.ts'

interface View {
  consumerKey: string
  settings: Record<string, unknown>
  inForce: Record<string, unknown>
  pendingUntil: string | null
}

describe('the Connected App through the control API', () => {
  let emu: OAuthTestServer
  let defaults: Record<string, unknown>
  before(async () => {
    emu = await startOAuthTestServer()
    defaults = ((await emu.control('GET', '/__emulator/connected-app')).body as View).settings
  })
  beforeEach(async () => {
    await emu.control('PUT', '/__emulator/connected-app', { ...defaults, propagationDelayMs: 0 })
  })
  after(async () => {
    await emu.close()
  })

  test('defaults are what the seed page’s admin sets', async () => {
    const view = (await emu.control('GET', '/__emulator/connected-app')).body as View
    assert.equal(view.consumerKey, emu.consumerKey)
    assert.equal(JSON.stringify(view).includes(emu.consumerSecret), false, 'the secret is not echoed')
    assert.deepEqual(view.settings, {
      oauthEnabled: true,
      deviceFlowEnabled: true,
      callbackUrls: [`${emu.instanceUrl}/services/oauth2/success`, CLI_CALLBACK_URL, LOOPBACK_CALLBACK_URL],
      scopes: ['full'],
      requireSecretForWebServerFlow: true,
      requireSecretForRefreshTokenFlow: true,
      clientCredentialsEnabled: true,
      runAsUsername: 'integration@sfsync-emulator.example',
      introspectAllTokens: true,
      useDigitalSignatures: false,
      certificate: null,
      permittedUsers: 'all',
      passwordFlowEnabled: false,
      refreshTokenRotation: false,
      requirePkce: false,
      sessionTimeoutSeconds: 7200,
      propagationDelayMs: 0,
    })
    assert.equal(view.pendingUntil, null)
    const page = await fetch(`${emu.instanceUrl}/services/oauth2/success`)
    assert.equal(page.status, 200)
  })

  test('bad input gets a 400 naming the field; no token gets 401', async () => {
    const bad = await emu.control('PATCH', '/__emulator/connected-app', {
      scopes: ['fly'],
      oauthEnabled: 'yes',
    })
    assert.equal(bad.status, 400)
    const message = JSON.stringify(bad.body)
    assert.match(message, /scopes\.0/)
    assert.match(message, /oauthEnabled/)
    const unknownField = await emu.control('PATCH', '/__emulator/connected-app', { colour: 'blue' })
    assert.equal(unknownField.status, 400)
    const partialPut = await emu.control('PUT', '/__emulator/connected-app', { oauthEnabled: true })
    assert.equal(partialPut.status, 400)
    const noUser = await emu.control('PATCH', '/__emulator/connected-app', {
      runAsUsername: 'ghost@example.com',
    })
    assert.equal(noUser.status, 400)
    assert.match(JSON.stringify(noUser.body), /ghost@example\.com/)
    const anonymous = await fetch(`${emu.instanceUrl}/__emulator/connected-app`)
    assert.equal(anonymous.status, 401)
  })

  test('jsforce conn.authorize({grant_type: client_credentials}) with loginUrl = My Domain, refused on the login host', async () => {
    const conn = new Connection({
      oauth2: { loginUrl: emu.instanceUrl, clientId: emu.consumerKey, clientSecret: emu.consumerSecret },
    })
    const userInfo = await conn.authorize({ grant_type: 'client_credentials' })
    assert.equal(userInfo.organizationId, emu.org.orgId)
    assert.equal(userInfo.id, emu.org.userByUsername('integration@sfsync-emulator.example')?.id)
    assert.equal(conn.instanceUrl, emu.instanceUrl)
    assert.ok(emu.oauth.sessions.resolve(conn.accessToken ?? ''))
    const viaLogin = new Connection({
      oauth2: { loginUrl: emu.loginUrl, clientId: emu.consumerKey, clientSecret: emu.consumerSecret },
    })
    await assert.rejects(viaLogin.authorize({ grant_type: 'client_credentials' }), {
      name: 'invalid_grant',
      message: 'request not supported on this domain',
    })
  })

  test('propagation: a change acts only after propagationDelayMs of emulated time', async () => {
    const cc = () =>
      emu.token(emu.instanceUrl, {
        grant_type: 'client_credentials',
        client_id: emu.consumerKey,
        client_secret: emu.consumerSecret,
      })
    const res = await emu.control('PATCH', '/__emulator/connected-app', {
      propagationDelayMs: 600_000,
      oauthEnabled: false,
    })
    const view = res.body as View
    assert.equal(view.settings.oauthEnabled, false)
    assert.equal(view.inForce.oauthEnabled, true)
    const pendingFor = Date.parse(view.pendingUntil ?? '') - emu.org.clock.now()
    assert.ok(pendingFor > 590_000 && pendingFor <= 600_000, `pending for ${pendingFor} ms`)
    assert.equal((await cc()).status, 200, 'the old settings still apply')
    emu.org.clock.advance(600_000)
    assert.deepEqual((await cc()).body, {
      error: 'invalid_client_id',
      error_description: 'client identifier invalid',
    })

    // Re-enabling (a "new" app for Salesforce) keeps answering invalid_client_id until it propagates.
    await emu.control('PATCH', '/__emulator/connected-app', { oauthEnabled: true })
    assert.equal((await cc()).body.error, 'invalid_client_id')
    emu.org.clock.advance(599_000)
    assert.equal((await cc()).body.error, 'invalid_client_id')
    emu.org.clock.advance(1_000)
    assert.equal((await cc()).status, 200)
    assert.equal(((await emu.control('GET', '/__emulator/connected-app')).body as View).pendingUntil, null)

    // Changing only org-level settings does not reschedule a pending app change.
    await emu.control('PATCH', '/__emulator/connected-app', { requirePkce: true })
    const onlyOrg = (await emu.control('PATCH', '/__emulator/connected-app', { propagationDelayMs: 0 }))
      .body as View
    assert.equal(onlyOrg.inForce.requirePkce, false)
    assert.notEqual(onlyOrg.pendingUntil, null)
  })
})
