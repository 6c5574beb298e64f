import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { chromium, type Browser } from 'playwright-core'
import { isolatedDir } from '../../test/support/isolation.ts'
import { openStateStore } from '../store/state/open-state-store.ts'
import { SecretBox } from '../secrets/secret-box.ts'
import { sealContext } from '../salesforce/token-manager.ts'
import {
  runCli,
  spawnCli,
  startTestOrg,
  type TestOrg,
} from '../../test/support/salesforce/emulator-fixture.ts'

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer()
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      srv.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

async function launch(t: { after(fn: () => unknown): void }): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
  t.after(() => browser.close())
  return browser
}

function envFor(t: Parameters<typeof isolatedDir>[0], org: TestOrg) {
  return {
    SFSYNC_HOME: join(isolatedDir(t), 'home'),
    SFSYNC_MASTER_KEY: randomBytes(32).toString('base64'),
    SFSYNC_CLIENT_SECRET: org.info.consumerSecret,
  }
}

/** Every process's command line, as `ps` shows it to any user of the machine. */
function psArgs(): string {
  return execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
}

function connection(stdout: string): Record<string, unknown> {
  return (JSON.parse(stdout) as { connection: Record<string, unknown> }).connection
}

describe('interactive flows end to end', () => {
  test('device flow approved through the control API; the secret is never in a process argument', async (t) => {
    const org = await startTestOrg(t)
    const env = envFor(t, org)
    const cli = spawnCli(
      [
        'connect',
        '--name',
        'dev',
        '--flow',
        'device',
        '--instance-url',
        org.info.instanceUrl,
        '--client-id',
        org.info.consumerKey,
        '--json',
      ],
      { env },
    )
    const [, uri, code] = await cli.waitForStderr(/open (\S+) and enter the code: ([A-Z0-9]{8})/)
    assert.equal(uri, `${org.info.instanceUrl}/setup/connect`)
    assert.equal(psArgs().includes(org.info.consumerSecret), false, 'the secret is not in ps output')
    await org.control('POST', '/oauth/device/approve', { userCode: code })
    const done = await cli.done
    assert.equal(done.code, 0, done.stderr)
    const c = connection(done.stdout)
    assert.equal(c.flow, 'device')
    assert.equal(c.orgId, org.info.orgId)
    assert.equal(c.username, org.info.username)
    assert.equal(c.hasRefreshToken, false, 'the seed app has only "full": no refresh token')
    assert.ok(((await org.counters())['oauth.token.device'] ?? 0) >= 1)
  })

  test('device flow approved by a person in a real browser typing the code on the verification page', async (t) => {
    const org = await startTestOrg(t)
    const env = envFor(t, org)
    await org.patchApp({ scopes: ['api', 'refresh_token'] })
    const browser = await launch(t)
    const cli = spawnCli(
      [
        'connect',
        '--name',
        'dev',
        '--flow',
        'device',
        '--instance-url',
        org.info.instanceUrl,
        '--client-id',
        org.info.consumerKey,
        '--json',
      ],
      { env },
    )
    const [, uri = '', code = ''] = await cli.waitForStderr(/open (\S+) and enter the code: ([A-Z0-9]{8})/)
    const page = await browser.newPage()
    await page.goto(uri)
    await page.fill('#user_code', code)
    await page.click('#connect')
    await page.fill('#username', org.info.username)
    await page.fill('#password', org.info.password)
    await page.click('#Login')
    await page.click('#oaapprove')
    assert.match((await page.textContent('#message')) ?? '', /return to your device/)
    const done = await cli.done
    assert.equal(done.code, 0, done.stderr)
    const c = connection(done.stdout)
    assert.equal(c.flow, 'device')
    assert.equal(c.hasRefreshToken, true)
    const list = await runCli(['connections', '--json'], { env })
    assert.equal((JSON.parse(list.stdout) as { connections: unknown[] }).connections.length, 1)
  })

  test("web-server flow with PKCE and state through the org's login and allow pages in a real browser", async (t) => {
    const org = await startTestOrg(t)
    const env = envFor(t, org)
    const callback = `http://127.0.0.1:${await freePort()}/callback`
    const app = (await org.control('GET', '/connected-app')) as { settings: { callbackUrls: string[] } }
    await org.patchApp({
      callbackUrls: [...app.settings.callbackUrls, callback],
      scopes: ['api', 'refresh_token'],
    })
    const browser = await launch(t)
    const cli = spawnCli(
      [
        'connect',
        '--name',
        'web',
        '--flow',
        'web',
        '--instance-url',
        org.info.instanceUrl,
        '--client-id',
        org.info.consumerKey,
        '--callback-url',
        callback,
        '--json',
      ],
      { env },
    )
    const [, url = ''] = await cli.waitForStderr(/open this URL in your browser:\n\s+(\S+)/)
    const query = new URL(url).searchParams
    assert.equal(query.get('redirect_uri'), callback)
    assert.equal(query.get('code_challenge_method'), 'S256')
    assert.match(query.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/)
    assert.match(query.get('state') ?? '', /^[0-9a-f]{32}$/)
    assert.equal(psArgs().includes(org.info.consumerSecret), false, 'the secret is not in ps output')
    const page = await browser.newPage()
    await page.goto(url)
    await page.fill('#username', org.info.username)
    await page.fill('#password', org.info.password)
    await page.click('#Login')
    await page.click('#oaapprove')
    await page.waitForURL(new RegExp(`^${callback}`))
    assert.match((await page.textContent('body')) ?? '', /sfsync is connected/)
    const done = await cli.done
    assert.equal(done.code, 0, done.stderr)
    const c = connection(done.stdout)
    assert.equal(c.flow, 'web')
    assert.equal(c.hasRefreshToken, true)
    assert.equal((await org.counters())['oauth.token.authorization_code'], 1)

    // The stored connection logs in again through the same flow (`sfsync login --web`).
    const again = spawnCli(['login', '--name', 'web', '--web', '--json'], { env })
    const [, url2 = ''] = await again.waitForStderr(/open this URL in your browser:\n\s+(\S+)/)
    await page.goto(url2)
    const login2 = await again.done
    assert.equal(login2.code, 0, login2.stderr)
    assert.equal(connection(login2.stdout).flow, 'web')

    // Disconnecting revokes the refresh token (and with it its access tokens) at the org.
    const store = await openStateStore({
      stateUrl: `sqlite:${join(env.SFSYNC_HOME, 'state.sqlite')}`,
      stateSchema: 'x',
      lockTimeoutMs: 5000,
    })
    const sealed = (await store.getConnection('web'))?.refreshTokenSealed
    await store.close()
    assert.ok(sealed)
    const refreshToken = new SecretBox(Buffer.from(env.SFSYNC_MASTER_KEY, 'base64')).open(
      sealed,
      sealContext.refreshToken('web'),
    )
    const gone = await runCli(['disconnect', '--name', 'web', '--json'], { env })
    assert.equal(gone.code, 0, gone.stderr)
    assert.deepEqual((JSON.parse(gone.stdout) as { revoked: string[] }).revoked, ['refresh_token'])
    const state = (await org.control('POST', '/oauth/token-state', { token: refreshToken })) as {
      state: string
    }
    assert.equal(state.state, 'revoked')
  })

  test("a denied web login ends with Salesforce's access_denied explained, and nothing stored", async (t) => {
    const org = await startTestOrg(t)
    const env = envFor(t, org)
    const callback = `http://127.0.0.1:${await freePort()}/callback`
    const app = (await org.control('GET', '/connected-app')) as { settings: { callbackUrls: string[] } }
    await org.patchApp({ callbackUrls: [...app.settings.callbackUrls, callback] })
    const browser = await launch(t)
    const cli = spawnCli(
      [
        'connect',
        '--name',
        'web',
        '--flow',
        'web',
        '--instance-url',
        org.info.instanceUrl,
        '--client-id',
        org.info.consumerKey,
        '--callback-url',
        callback,
      ],
      { env },
    )
    const [, url = ''] = await cli.waitForStderr(/open this URL in your browser:\n\s+(\S+)/)
    const page = await browser.newPage()
    await page.goto(url)
    await page.fill('#username', org.info.username)
    await page.fill('#password', org.info.password)
    await page.click('#Login')
    await page.click('#oadeny')
    const done = await cli.done
    assert.equal(done.code, 3)
    assert.match(done.stderr, /denied access.*access_denied: end-user denied authorization/s)
    const list = await runCli(['connections', '--json'], { env })
    assert.deepEqual((JSON.parse(list.stdout) as { connections: unknown[] }).connections, [])
  })
})
