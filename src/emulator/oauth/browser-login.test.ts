import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { chromium, type Browser } from 'playwright-core'
import { OAuth2 } from 'jsforce'
import { startOAuthTestServer, type OAuthTestServer } from './oauth-test-server.ts'
import { LOOPBACK_CALLBACK_URL } from './connected-app.ts'

describe('the login and approval pages in a real browser (Chromium)', () => {
  let emu: OAuthTestServer
  let browser: Browser
  before(async () => {
    emu = await startOAuthTestServer()
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    })
  })
  after(async () => {
    await browser.close()
    await emu.close()
  })

  test('jsforce authorization URL → login → Allow → callback with code → tokens', async () => {
    const o = new OAuth2({
      loginUrl: emu.loginUrl,
      clientId: emu.consumerKey,
      clientSecret: emu.consumerSecret,
      redirectUri: LOOPBACK_CALLBACK_URL,
      useVerifier: true,
    })
    const page = await browser.newPage()
    // Nothing listens on the loopback callback: the browser's request to it is answered here instead.
    await page.route(`${LOOPBACK_CALLBACK_URL}**`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: '<p id="done">callback reached</p>' }),
    )
    await page.goto(o.getAuthorizationUrl({ state: 'browser-state' }))
    await page.fill('#username', emu.org.adminUser.username)
    await page.fill('#password', emu.org.adminUser.password)
    await page.click('#Login')
    await page.waitForSelector('#oaapprove')
    assert.equal(await page.textContent('#login_user'), emu.org.adminUser.username)
    await page.click('#oaapprove')
    await page.waitForSelector('#done')
    const callback = new URL(page.url())
    assert.equal(callback.searchParams.get('state'), 'browser-state')
    const code = callback.searchParams.get('code') ?? ''
    assert.match(code, /^aPrx.*==$/)
    const tokens = await o.requestToken(code)
    assert.ok(emu.oauth.sessions.resolve(tokens.access_token))
    assert.equal(tokens.instance_url, emu.instanceUrl)
    await page.close()
  })
})
