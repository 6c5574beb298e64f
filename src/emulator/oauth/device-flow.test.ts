import { after, before, beforeEach, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { FormBrowser, hiddenField, startOAuthTestServer, type OAuthTestServer } from './oauth-test-server.ts'
import { DEVICE_CODE_LIFETIME_MS } from './device-codes.ts'

describe('device flow', () => {
  let emu: OAuthTestServer
  let defaults: Record<string, unknown>
  before(async () => {
    emu = await startOAuthTestServer()
    defaults = (
      (await emu.control('GET', '/__emulator/connected-app')).body as { settings: Record<string, unknown> }
    ).settings
  })
  beforeEach(async () => {
    await emu.control('PUT', '/__emulator/connected-app', defaults)
  })
  after(async () => {
    await emu.close()
  })

  /** Requests codes the way @salesforce/core does: multipart form data. */
  const requestCodes = async (origin: string, scope?: string) => {
    const form = new FormData()
    form.append('client_id', emu.consumerKey)
    form.append('response_type', 'device_code')
    if (scope) form.append('scope', scope)
    const res = await fetch(`${origin}/services/oauth2/token`, { method: 'POST', body: form })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
  const poll = (deviceCode: string) => {
    const form = new FormData()
    form.append('client_id', emu.consumerKey)
    form.append('grant_type', 'device')
    form.append('code', deviceCode)
    return fetch(`${emu.loginUrl}/services/oauth2/token`, { method: 'POST', body: form }).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as Record<string, unknown>,
    }))
  }

  test('pending, slow_down, approval through the control API, then tokens (refresh with the scope)', async () => {
    await emu.control('PATCH', '/__emulator/connected-app', { scopes: ['api', 'refresh_token'] })
    const codes = await requestCodes(emu.loginUrl, 'refresh_token api')
    assert.equal(codes.status, 200)
    assert.deepEqual(Object.keys(codes.body).sort(), [
      'device_code',
      'interval',
      'user_code',
      'verification_uri',
    ])
    assert.match(String(codes.body.user_code), /^[A-Z0-9]{8}$/)
    assert.equal(codes.body.interval, 5)
    assert.equal(codes.body.verification_uri, `${emu.loginUrl}/setup/connect`)
    const deviceCode = String(codes.body.device_code)
    const decoded = Buffer.from(deviceCode, 'base64').toString('utf8').split(';')
    assert.equal(decoded[0], emu.consumerKey)
    assert.equal(decoded[3], codes.body.user_code)

    assert.deepEqual((await poll(deviceCode)).body.error, 'authorization_pending')
    const fast = await poll(deviceCode)
    assert.deepEqual(
      [fast.status, fast.body],
      [400, { error: 'slow_down', error_description: 'polling too quickly for the token endpoint' }],
    )
    const approved = await emu.control('POST', '/__emulator/oauth/device/approve', {
      userCode: codes.body.user_code,
      username: emu.org.adminUser.username,
    })
    assert.equal(approved.status, 200)
    emu.org.clock.advance(5_000)
    const done = await poll(deviceCode)
    assert.equal(done.status, 200)
    assert.equal(done.body.scope, 'refresh_token api')
    assert.match(String(done.body.refresh_token), /^5Aep/)
    assert.equal(done.body.id, `${emu.loginUrl}/id/${emu.org.orgId}/${emu.org.adminUser.id}`)
    emu.org.clock.advance(5_000)
    assert.deepEqual((await poll(deviceCode)).body, {
      error: 'invalid_grant',
      error_description: 'token exchange failed',
    })
    assert.ok(emu.org.counters.get('oauth.token.device') >= 4)
    assert.ok(emu.org.counters.get('oauth.token.device_code') >= 1)
  })

  test('the verification page: code, login, allow; `full` alone gives no refresh token', async () => {
    const codes = await requestCodes(emu.instanceUrl)
    const browser = new FormBrowser()
    const page = await (await browser.get(String(codes.body.verification_uri))).text()
    assert.match(page, /id="user_code"/)
    const bad = await (
      await browser.post(`${emu.instanceUrl}/setup/connect`, { user_code: 'ZZZZZZZZ' })
    ).text()
    assert.match(bad, /id="error"/)
    const login = await (
      await browser.post(`${emu.instanceUrl}/setup/connect`, {
        user_code: String(codes.body.user_code).toLowerCase(),
      })
    ).text()
    const startURL = hiddenField(login, 'startURL') ?? ''
    assert.match(startURL, /^\/setup\/connect\?user_code=/)
    const loggedIn = await browser.post(`${emu.instanceUrl}/login`, {
      username: emu.org.adminUser.username,
      pw: emu.org.adminUser.password,
      startURL,
    })
    assert.equal(loggedIn.status, 302)
    const approval = await (await browser.get(`${emu.instanceUrl}${loggedIn.headers.get('location')}`)).text()
    assert.match(approval, /id="oaapprove"/)
    const userCode = hiddenField(approval, 'user_code') ?? ''
    const done = await browser.post(`${emu.instanceUrl}/setup/connect`, {
      user_code: userCode,
      action: 'approve',
    })
    assert.match(await done.text(), /Connected/)
    const tokens = await poll(String(codes.body.device_code))
    assert.equal(tokens.status, 200)
    assert.equal(tokens.body.refresh_token, undefined)
    assert.equal(tokens.body.scope, 'full')
    assert.equal(tokens.body.id, `${emu.instanceUrl}/id/${emu.org.orgId}/${emu.org.adminUser.id}`)
  })

  test('denied and expired device codes', async () => {
    const denied = await requestCodes(emu.loginUrl)
    await emu.control('POST', '/__emulator/oauth/device/deny', { userCode: denied.body.user_code })
    assert.deepEqual((await poll(String(denied.body.device_code))).body, {
      error: 'access_denied',
      error_description: 'end-user denied authorization',
    })
    const expired = await requestCodes(emu.loginUrl)
    emu.org.clock.advance(DEVICE_CODE_LIFETIME_MS + 1)
    assert.deepEqual(
      (await poll(String(expired.body.device_code))).body.error_description,
      'token exchange failed',
    )
    const approveLate = await emu.control('POST', '/__emulator/oauth/device/approve', {
      userCode: expired.body.user_code,
    })
    assert.equal(approveLate.status, 404)
  })

  test('device flow off: the code request is refused', async () => {
    await emu.control('PATCH', '/__emulator/connected-app', { deviceFlowEnabled: false })
    const res = await requestCodes(emu.loginUrl)
    assert.deepEqual(
      [res.status, res.body],
      [400, { error: 'unsupported_response_type', error_description: 'response type not supported' }],
    )
  })

  test('a sixth approval of the same app by the same user revokes the oldest refresh token', async () => {
    const tokens: string[] = []
    for (let i = 0; i < 6; i++) {
      const form = new FormData()
      form.append('client_id', 'PlatformCLI')
      form.append('response_type', 'device_code')
      form.append('scope', 'refresh_token api web')
      const codes = (await (
        await fetch(`${emu.loginUrl}/services/oauth2/token`, { method: 'POST', body: form })
      ).json()) as Record<string, string>
      await emu.control('POST', '/__emulator/oauth/device/approve', { userCode: codes.user_code })
      const res = await emu.token(emu.loginUrl, {
        client_id: 'PlatformCLI',
        grant_type: 'device',
        code: codes.device_code ?? '',
      })
      tokens.push(String(res.body.refresh_token))
    }
    const refresh = (rt: string) =>
      emu.token(emu.loginUrl, { grant_type: 'refresh_token', client_id: 'PlatformCLI', refresh_token: rt })
    assert.deepEqual((await refresh(tokens[0] ?? '')).body, {
      error: 'invalid_grant',
      error_description: 'expired access/refresh token',
    })
    assert.equal((await refresh(tokens[1] ?? '')).status, 200)
    assert.equal((await refresh(tokens[5] ?? '')).status, 200)
  })
})
