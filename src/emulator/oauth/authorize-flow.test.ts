import { after, before, beforeEach, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, createHmac } from 'node:crypto'
import { Connection, OAuth2 } from 'jsforce'
import {
  authorizeWithBrowser,
  FormBrowser,
  startOAuthTestServer,
  type OAuthTestServer,
} from './oauth-test-server.ts'
import { CLI_CALLBACK_URL, LOOPBACK_CALLBACK_URL } from './connected-app.ts'

describe('web-server flow: authorize pages, authorization_code with PKCE, refresh_token', () => {
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
    // Each test starts with users who never approved the app, so that the approval page shows.
    await emu.control('DELETE', '/__emulator/oauth/approvals')
  })
  after(async () => {
    await emu.close()
  })

  const admin = () => ({ username: emu.org.adminUser.username, password: emu.org.adminUser.password })
  const oauth2 = (extra: { clientSecret?: string; useVerifier?: boolean } = {}) =>
    new OAuth2({
      loginUrl: emu.loginUrl,
      clientId: emu.consumerKey,
      clientSecret: 'clientSecret' in extra ? extra.clientSecret : emu.consumerSecret,
      redirectUri: LOOPBACK_CALLBACK_URL,
      useVerifier: extra.useVerifier ?? true,
    })
  const codeFrom = (location: string) => {
    const url = new URL(location)
    assert.equal(`${url.origin}${url.pathname}`, LOOPBACK_CALLBACK_URL)
    return { code: url.searchParams.get('code') ?? '', state: url.searchParams.get('state') }
  }

  test('jsforce OAuth2 with useVerifier: login, allow, code exchange; `full` alone gives no refresh token', async () => {
    const o = oauth2()
    const authUrl = o.getAuthorizationUrl({ state: 'st-1', scope: 'api refresh_token' })
    assert.match(authUrl, /code_challenge=/)
    const location = await authorizeWithBrowser(new FormBrowser(), authUrl, admin())
    assert.match(location, /[?&]code=aPrx[^&]*%3D%3D&state=st-1$/)
    const { code, state } = codeFrom(location)
    assert.equal(state, 'st-1')
    const res = (await o.requestToken(code)) as unknown as Record<string, string>
    assert.equal(res.refresh_token, undefined)
    assert.equal(res.scope, 'api')
    assert.equal(res.instance_url, emu.instanceUrl)
    assert.equal(res.id, `${emu.loginUrl}/id/${emu.org.orgId}/${emu.org.adminUser.id}`)
    const sig = createHmac('sha256', emu.consumerSecret).update(`${res.id}${res.issued_at}`).digest('base64')
    assert.equal(res.signature, sig)
    await assert.rejects(o.requestToken(code), {
      name: 'invalid_grant',
      message: 'expired authorization code',
    })
  })

  test('with refresh_token selected: a refresh token, and jsforce refreshToken without rotation', async () => {
    await emu.control('PATCH', '/__emulator/connected-app', { scopes: ['full', 'refresh_token'] })
    const o = oauth2()
    const conn = new Connection({ oauth2: o })
    const location = await authorizeWithBrowser(new FormBrowser(), o.getAuthorizationUrl({}), admin())
    const userInfo = await conn.authorize(codeFrom(location).code)
    assert.equal(userInfo.id, emu.org.adminUser.id)
    const identity = await conn.identity()
    assert.equal(identity.username, emu.org.adminUser.username)
    assert.equal(identity.organization_id, emu.org.orgId)
    assert.match(conn.refreshToken ?? '', /^5Aep[A-Za-z0-9._]+$/)
    const first = conn.accessToken ?? ''
    const refreshed = (await o.refreshToken(conn.refreshToken ?? '')) as unknown as Record<string, string>
    assert.notEqual(refreshed.access_token, first)
    assert.equal(refreshed.refresh_token, undefined)
    assert.equal(refreshed.scope, 'full refresh_token')
    assert.ok(emu.oauth.sessions.resolve(refreshed.access_token ?? ''))
    assert.ok(emu.oauth.sessions.resolve(first), 'older access tokens stay valid')
  })

  test('refresh token rotation: a new refresh token each time; reusing the old one kills the family', async () => {
    await emu.control('PATCH', '/__emulator/connected-app', {
      scopes: ['api', 'refresh_token'],
      refreshTokenRotation: true,
    })
    const o = oauth2()
    const location = await authorizeWithBrowser(new FormBrowser(), o.getAuthorizationUrl({}), admin())
    const issued = (await o.requestToken(codeFrom(location).code)) as unknown as Record<string, string>
    const rt1 = issued.refresh_token ?? ''
    const second = (await o.refreshToken(rt1)) as unknown as Record<string, string>
    const rt2 = second.refresh_token ?? ''
    assert.match(rt2, /^5Aep/)
    assert.notEqual(rt2, rt1)
    await assert.rejects(o.refreshToken(rt1), {
      name: 'invalid_grant',
      message: 'expired access/refresh token',
    })
    await assert.rejects(o.refreshToken(rt2), { message: 'expired access/refresh token' })
    assert.equal(emu.oauth.sessions.resolve(second.access_token ?? ''), undefined)
  })

  test('Require Secret for Web Server Flow and for Refresh Token Flow', async () => {
    await emu.control('PATCH', '/__emulator/connected-app', { scopes: ['api', 'refresh_token'] })
    const noSecret = oauth2({ clientSecret: undefined })
    let location = await authorizeWithBrowser(new FormBrowser(), noSecret.getAuthorizationUrl({}), admin())
    await assert.rejects(noSecret.requestToken(codeFrom(location).code), {
      name: 'invalid_client',
      message: 'invalid client credentials',
    })
    // Another OAuth2 instance has another PKCE verifier: the code is not usable with it.
    await assert.rejects(oauth2().requestToken(codeFrom(location).code), { name: 'invalid_request' })

    location = await authorizeWithBrowser(new FormBrowser(), noSecret.getAuthorizationUrl({}), admin())
    await emu.control('PATCH', '/__emulator/connected-app', { requireSecretForWebServerFlow: false })
    const tokens = (await noSecret.requestToken(codeFrom(location).code)) as unknown as Record<string, string>
    const rt = tokens.refresh_token ?? ''
    await assert.rejects(noSecret.refreshToken(rt), { name: 'invalid_client' })
    await emu.control('PATCH', '/__emulator/connected-app', { requireSecretForRefreshTokenFlow: false })
    assert.ok((await noSecret.refreshToken(rt)).access_token)
    const wrong = new OAuth2({ loginUrl: emu.loginUrl, clientId: emu.consumerKey, clientSecret: 'wrong' })
    await assert.rejects(wrong.refreshToken(rt), {
      name: 'invalid_client',
      message: 'invalid client credentials',
    })
  })

  test('Deny redirects with access_denied and the state', async () => {
    const o = oauth2()
    const location = await authorizeWithBrowser(
      new FormBrowser(),
      o.getAuthorizationUrl({ state: 'abc' }),
      admin(),
      'deny',
    )
    assert.equal(
      location,
      `${LOOPBACK_CALLBACK_URL}?error=access_denied&error_description=end-user+denied+authorization&state=abc`,
    )
  })

  test('bad client, unregistered callback, OAuth off: errors in the body, no redirect', async () => {
    const url = (params: Record<string, string>) =>
      `${emu.loginUrl}/services/oauth2/authorize?${new URLSearchParams({ response_type: 'code', client_id: emu.consumerKey, redirect_uri: LOOPBACK_CALLBACK_URL, ...params }).toString()}`
    const read = async (u: string) => {
      const res = await fetch(u, { redirect: 'manual' })
      return { status: res.status, type: res.headers.get('content-type'), text: await res.text() }
    }
    assert.deepEqual(await read(url({ client_id: 'nope' })), {
      status: 400,
      type: null,
      text: 'error=invalid_client_id&error_description=client%20identifier%20invalid',
    })
    const mismatch = await read(url({ redirect_uri: 'https://evil.example/cb' }))
    assert.equal(
      mismatch.text,
      'error=redirect_uri_mismatch&error_description=redirect_uri%20must%20match%20configuration',
    )
    await emu.control('PATCH', '/__emulator/connected-app', { requirePkce: true })
    assert.equal(
      (await read(url({}))).text,
      'error=invalid_request&error_description=missing%20required%20code%20challenge',
    )
    await emu.control('PATCH', '/__emulator/connected-app', { oauthEnabled: false })
    assert.match((await read(url({}))).text, /^error=invalid_client_id/)
    const unsupported = await fetch(url({ response_type: 'magic', state: 's' }), { redirect: 'manual' })
    assert.equal(unsupported.status, 400, 'OAuth off: still no redirect')
  })

  test('PKCE: plain method, wrong verifier, verifier without challenge', async () => {
    const browser = new FormBrowser()
    const start = async (params: Record<string, string>) => {
      const u = `${emu.loginUrl}/services/oauth2/authorize?${new URLSearchParams({ response_type: 'code', client_id: emu.consumerKey, redirect_uri: LOOPBACK_CALLBACK_URL, ...params }).toString()}`
      return codeFrom(await authorizeWithBrowser(browser, u, admin())).code
    }
    const exchange = (code: string, verifier?: string) =>
      emu.token(emu.loginUrl, {
        grant_type: 'authorization_code',
        code,
        client_id: emu.consumerKey,
        client_secret: emu.consumerSecret,
        redirect_uri: LOOPBACK_CALLBACK_URL,
        ...(verifier ? { code_verifier: verifier } : {}),
      })
    const plain = await start({ code_challenge: 'v'.repeat(50), code_challenge_method: 'plain' })
    assert.equal((await exchange(plain, 'v'.repeat(50))).status, 200)
    const verifier = 'x'.repeat(171)
    const s256 = await start({ code_challenge: createHash('sha256').update(verifier).digest('base64url') })
    assert.deepEqual((await exchange(s256, 'y'.repeat(171))).body.error, 'invalid_request')
    assert.deepEqual((await exchange(s256)).body.error, 'invalid_grant')
    assert.equal((await exchange(s256, verifier)).status, 200)
    const none = await start({})
    assert.equal((await exchange(none, verifier)).body.error, 'invalid_request')
    const mismatch = await emu.token(emu.loginUrl, {
      grant_type: 'authorization_code',
      code: await start({}),
      client_id: emu.consumerKey,
      client_secret: emu.consumerSecret,
      redirect_uri: CLI_CALLBACK_URL,
    })
    assert.deepEqual(mismatch.body, {
      error: 'redirect_uri_mismatch',
      error_description: 'redirect_uri must match configuration',
    })
  })

  test('an authorization code expires after 15 minutes of emulated time', async () => {
    const o = oauth2()
    const location = await authorizeWithBrowser(new FormBrowser(), o.getAuthorizationUrl({}), admin())
    emu.org.clock.advance(15 * 60_000 + 1_000)
    await assert.rejects(o.requestToken(codeFrom(location).code), {
      name: 'invalid_grant',
      message: 'expired authorization code',
    })
  })

  test('a user who approved once is not asked again; prompt=consent asks again', async () => {
    const browser = new FormBrowser()
    const o = oauth2()
    await authorizeWithBrowser(browser, o.getAuthorizationUrl({}), admin())
    const again = await browser.get(o.getAuthorizationUrl({ state: 'two' }))
    assert.equal(again.status, 302)
    assert.match(again.headers.get('location') ?? '', /code=.*&state=two$/)
    const consent = await browser.get(o.getAuthorizationUrl({ prompt: 'consent' }))
    assert.match(await consent.text(), /id="oaapprove"/)
  })

  test('a wrong password shows the login page again with Salesforce’s message', async () => {
    const browser = new FormBrowser()
    const page = await (await browser.get(oauth2().getAuthorizationUrl({}))).text()
    const startURL = /name="startURL" value="([^"]*)"/.exec(page)?.[1] ?? ''
    const res = await browser.post(`${emu.loginUrl}/login`, {
      username: admin().username,
      pw: 'bad',
      startURL,
    })
    assert.equal(res.status, 200)
    assert.match(await res.text(), /Please check your username and password/)
  })

  test('the Salesforce CLI: PlatformCLI, no secret, refresh_token api web', async () => {
    const o = new OAuth2({
      loginUrl: emu.loginUrl,
      clientId: 'PlatformCLI',
      redirectUri: CLI_CALLBACK_URL,
      useVerifier: true,
    })
    const url = o.getAuthorizationUrl({
      state: 'abcdef123456',
      prompt: 'login',
      scope: 'refresh_token api web',
    })
    const location = await authorizeWithBrowser(new FormBrowser(), url, admin())
    const code = new URL(location).searchParams.get('code') ?? ''
    const res = (await o.requestToken(code)) as unknown as Record<string, string>
    assert.equal(res.scope, 'refresh_token api web')
    assert.match(res.refresh_token ?? '', /^5Aep/)
    const sig = createHmac('sha256', '').update(`${res.id}${res.issued_at}`).digest('base64')
    assert.equal(res.signature, sig)
    const userinfo = await fetch(`${res.instance_url}/services/oauth2/userinfo`, {
      headers: { authorization: `Bearer ${res.access_token}` },
    })
    const body = (await userinfo.json()) as Record<string, unknown>
    assert.equal(body.user_id, emu.org.adminUser.id)
    assert.equal(body.organization_id, emu.org.orgId)
  })

  test('user-agent flow (response_type=token): tokens in the fragment, no refresh token; login_hint prefills', async () => {
    await emu.control('PATCH', '/__emulator/connected-app', { scopes: ['api', 'refresh_token'] })
    const browser = new FormBrowser()
    const url = `${emu.loginUrl}/services/oauth2/authorize?${new URLSearchParams({
      response_type: 'token',
      client_id: emu.consumerKey,
      redirect_uri: LOOPBACK_CALLBACK_URL,
      state: 'ua',
      login_hint: emu.org.adminUser.username,
    }).toString()}`
    const page = await (await browser.get(url)).text()
    assert.match(page, new RegExp(`id="username"[^>]*value="${emu.org.adminUser.username}"`))
    const location = await authorizeWithBrowser(browser, url, admin())
    const fragment = new URLSearchParams(new URL(location).hash.slice(1))
    assert.ok(emu.oauth.sessions.resolve(fragment.get('access_token') ?? ''))
    assert.equal(fragment.get('refresh_token'), null)
    assert.equal(fragment.get('state'), 'ua')
    assert.equal(fragment.get('token_type'), 'Bearer')
  })
})
