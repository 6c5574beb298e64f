import { after, before, beforeEach, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createPublicKey, createVerify } from 'node:crypto'
import { OAuth2 } from 'jsforce'
import {
  authorizeWithBrowser,
  FormBrowser,
  startOAuthTestServer,
  type OAuthTestServer,
} from './oauth-test-server.ts'
import { CLI_CALLBACK_URL, LOOPBACK_CALLBACK_URL } from './connected-app.ts'

describe('identity, userinfo, introspection, revocation and session timeout', () => {
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

  const ccToken = async () => {
    const { body } = await emu.token(emu.instanceUrl, {
      grant_type: 'client_credentials',
      client_id: emu.consumerKey,
      client_secret: emu.consumerSecret,
    })
    return body as Record<string, string>
  }
  const introspect = async (token: string, client = { id: emu.consumerKey, secret: emu.consumerSecret }) => {
    const res = await fetch(`${emu.instanceUrl}/services/oauth2/introspect`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
  /** A token issued to the Salesforce CLI (another app than the org's Connected App). */
  const cliTokens = async () => {
    const o = new OAuth2({ loginUrl: emu.loginUrl, clientId: 'PlatformCLI', redirectUri: CLI_CALLBACK_URL })
    const user = { username: emu.org.adminUser.username, password: emu.org.adminUser.password }
    const location = await authorizeWithBrowser(new FormBrowser(), o.getAuthorizationUrl({}), user)
    return (await o.requestToken(new URL(location).searchParams.get('code') ?? '')) as unknown as Record<
      string,
      string
    >
  }

  test('the identity URL answers with Bearer, oauth_token and POST; bad tokens get 403', async () => {
    const t = await ccToken()
    const id = t.id ?? ''
    const viaHeader = await fetch(`${id}?format=json&version=60.0`, {
      headers: { authorization: `Bearer ${t.access_token}` },
    })
    assert.equal(viaHeader.status, 200)
    const body = (await viaHeader.json()) as Record<string, unknown>
    assert.equal(body.id, id)
    assert.equal(body.username, 'integration@sfsync-emulator.example')
    assert.equal((body.urls as Record<string, string>).rest, `${emu.instanceUrl}/services/data/v60.0/`)
    const viaQuery = await fetch(`${id}?oauth_token=${encodeURIComponent(t.access_token ?? '')}`, {
      method: 'POST',
    })
    assert.equal(viaQuery.status, 200)
    assert.match(((await viaQuery.json()) as { urls: Record<string, string> }).urls.rest ?? '', /\{version\}/)
    const bad = await fetch(id, { headers: { authorization: 'Bearer 00Dxx!nope' } })
    assert.deepEqual([bad.status, await bad.text()], [403, 'Bad_OAuth_Token'])
    const missing = await fetch(`${emu.instanceUrl}/services/oauth2/userinfo`)
    assert.equal(missing.status, 403)
  })

  test('userinfo answers the OpenID shape', async () => {
    const t = await ccToken()
    const res = await fetch(`${emu.instanceUrl}/services/oauth2/userinfo`, {
      headers: { authorization: `Bearer ${t.access_token}` },
    })
    const body = (await res.json()) as Record<string, unknown>
    assert.equal(body.sub, t.id)
    assert.equal(body.preferred_username, 'integration@sfsync-emulator.example')
    assert.equal(body.organization_id, emu.org.orgId)
  })

  test('sessions time out after sessionTimeoutSeconds of inactivity, in emulated time', async () => {
    await emu.control('PATCH', '/__emulator/connected-app', { sessionTimeoutSeconds: 900 })
    const t = await ccToken()
    const token = t.access_token ?? ''
    emu.org.clock.advance(600_000)
    assert.ok(emu.oauth.sessions.resolve(token), 'used after 10 of 15 minutes: activity recorded')
    emu.org.clock.advance(600_000)
    assert.ok(emu.oauth.sessions.resolve(token), '10 minutes after the last use: still alive')
    emu.org.clock.advance(900_000)
    assert.equal(emu.oauth.sessions.resolve(token), undefined)
    const state = await emu.control('POST', '/__emulator/oauth/token-state', { token })
    assert.equal((state.body as Record<string, unknown>).state, 'expired')
    assert.equal((await introspect(token)).body.active, false)
  })

  test('introspection: own tokens; other apps’ tokens only with Introspect All Tokens', async () => {
    const own = await ccToken()
    const active = await introspect(own.access_token ?? '')
    assert.equal(active.status, 200)
    assert.equal(active.body.active, true)
    assert.equal(active.body.client_id, emu.consumerKey)
    assert.equal(active.body.token_type, 'access_token')
    assert.equal(active.body.username, 'integration@sfsync-emulator.example')
    assert.equal(Number(active.body.exp) - Number(active.body.iat), 7200)
    const cli = await cliTokens()
    assert.equal((await introspect(cli.access_token ?? '')).body.active, true)
    assert.equal((await introspect(cli.refresh_token ?? '')).body.token_type, 'refresh_token')
    await emu.control('PATCH', '/__emulator/connected-app', { introspectAllTokens: false })
    assert.deepEqual((await introspect(cli.access_token ?? '')).body, { active: false })
    assert.equal((await introspect(own.access_token ?? '')).body.active, true)
    const badSecret = await introspect(own.access_token ?? '', { id: emu.consumerKey, secret: 'wrong' })
    assert.deepEqual([badSecret.status, badSecret.body.error], [400, 'invalid_client'])
  })

  test('revoke: access tokens, refresh tokens with their access tokens, form-encoded errors', async () => {
    const t = await ccToken()
    const revoked = await fetch(`${emu.instanceUrl}/services/oauth2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: t.access_token ?? '' }).toString(),
    })
    assert.deepEqual([revoked.status, await revoked.text()], [200, ''])
    assert.equal(emu.oauth.sessions.resolve(t.access_token ?? ''), undefined)

    const cli = await cliTokens()
    const refreshed = await new OAuth2({ loginUrl: emu.loginUrl, clientId: 'PlatformCLI' }).refreshToken(
      cli.refresh_token ?? '',
    )
    const viaGet = await fetch(
      `${emu.loginUrl}/services/oauth2/revoke?token=${encodeURIComponent(cli.refresh_token ?? '')}`,
    )
    assert.equal(viaGet.status, 200)
    assert.equal(emu.oauth.sessions.resolve(cli.access_token ?? ''), undefined)
    assert.equal(emu.oauth.sessions.resolve(refreshed.access_token), undefined)

    const o = new OAuth2({
      loginUrl: emu.loginUrl,
      clientId: 'PlatformCLI',
      redirectUri: LOOPBACK_CALLBACK_URL,
    })
    await assert.rejects(o.revokeToken(t.access_token ?? ''), {
      name: 'invalid_token',
      message: 'Token was invalid',
    })
    const malformed = await fetch(`${emu.instanceUrl}/services/oauth2/revoke`, { method: 'POST' })
    assert.equal(malformed.status, 400)
    assert.equal(
      await malformed.text(),
      'error=unsupported_token_type&error_description=this+token+type+is+not+supported',
    )
  })

  test('revoking all sessions of a user through the control API', async () => {
    const t = await ccToken()
    const adminTokens = await cliTokens()
    const res = await emu.control('POST', '/__emulator/sessions/revoke', {
      username: 'integration@sfsync-emulator.example',
    })
    assert.equal(res.status, 200)
    assert.ok((res.body as { revoked: { accessTokens: number } }).revoked.accessTokens >= 1)
    assert.equal(emu.oauth.sessions.resolve(t.access_token ?? ''), undefined)
    const before = (await emu.control('GET', '/__emulator/oauth/sessions')).body as {
      tokens: Record<string, number>
    }
    assert.ok((before.tokens.accessTokensLive ?? 0) >= 1, "the admin's tokens are alive")
    assert.ok(emu.oauth.sessions.resolve(adminTokens.access_token ?? ''))
    await emu.control('POST', '/__emulator/sessions/revoke', {})
    const counts = (await emu.control('GET', '/__emulator/oauth/sessions')).body as {
      tokens: Record<string, number>
    }
    assert.equal(counts.tokens.accessTokensLive, 0)
    assert.ok(!JSON.stringify(counts).includes(t.access_token ?? ''))
  })

  test('openid: an RS256 id_token verifiable with /id/keys, and the discovery document', async () => {
    await emu.control('PATCH', '/__emulator/connected-app', { scopes: ['api', 'openid'] })
    const o = new OAuth2({
      loginUrl: emu.loginUrl,
      clientId: emu.consumerKey,
      clientSecret: emu.consumerSecret,
      redirectUri: LOOPBACK_CALLBACK_URL,
    })
    const user = { username: emu.org.adminUser.username, password: emu.org.adminUser.password }
    const location = await authorizeWithBrowser(
      new FormBrowser(),
      o.getAuthorizationUrl({ scope: 'api openid' }),
      user,
    )
    const t = (await o.requestToken(new URL(location).searchParams.get('code') ?? '')) as unknown as Record<
      string,
      string
    >
    const [head, payload, sig] = (t.id_token ?? '').split('.')
    const keys = (await (await fetch(`${emu.loginUrl}/id/keys`)).json()) as {
      keys: Array<Record<string, string>>
    }
    const key = createPublicKey({ key: keys.keys[0] as never, format: 'jwk' })
    const ok = createVerify('RSA-SHA256')
      .update(`${head}.${payload}`)
      .verify(key, Buffer.from(sig ?? '', 'base64url'))
    assert.equal(ok, true)
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>
    assert.equal(claims.aud, emu.consumerKey)
    assert.equal(claims.sub, t.id)
    const discovery = (await (
      await fetch(`${emu.loginUrl}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>
    assert.equal(discovery.token_endpoint, `${emu.loginUrl}/services/oauth2/token`)
    assert.equal(discovery.jwks_uri, `${emu.loginUrl}/id/keys`)
  })

  test('singleaccess gives a one-time frontdoor link that logs a browser in (sf org open)', async () => {
    const t = await ccToken()
    const res = await fetch(`${emu.instanceUrl}/services/oauth2/singleaccess`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.access_token}`, 'content-type': 'application/json' },
      body: '{}',
    })
    assert.equal(res.status, 200)
    const link = ((await res.json()) as { frontdoor_uri: string }).frontdoor_uri
    assert.match(link, new RegExp(`^${emu.instanceUrl}/secur/frontdoor\\.jsp\\?otp=`))
    const browser = new FormBrowser()
    const door = await browser.get(link)
    assert.equal(door.status, 302)
    const home = await browser.get(`${emu.instanceUrl}${door.headers.get('location')}`)
    assert.match(await home.text(), /as integration@sfsync-emulator\.example/)
    const reused = await new FormBrowser().get(link)
    assert.match(await reused.text(), /id="login_form"/)
    const expired = await fetch(`${emu.instanceUrl}/services/oauth2/singleaccess`, {
      method: 'POST',
      headers: { authorization: 'Bearer 00Dxx!gone' },
    })
    assert.equal(expired.status, 403)
  })
})
