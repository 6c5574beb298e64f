import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { isolatedDir, isolatedSqlitePath } from '../../test/support/isolation.ts'
import {
  openTestClient,
  runCli,
  spawnCli,
  startTestOrg,
  type TestOrg,
} from '../../test/support/salesforce/emulator-fixture.ts'
import { runDoctor } from '../salesforce/doctor/doctor.ts'
import type { DoctorCheck } from '../salesforce/doctor/doctor-checks.ts'

interface DoctorRun {
  readonly code: number | null
  readonly checks: DoctorCheck[]
  readonly stderr: string
}

async function setup(t: Parameters<typeof isolatedDir>[0]) {
  const org = await startTestOrg(t)
  const env = {
    SFSYNC_HOME: join(isolatedDir(t), 'home'),
    SFSYNC_MASTER_KEY: randomBytes(32).toString('base64'),
  }
  const r = await runCli(
    ['connect', '--name', 'emu', '--instance-url', org.info.instanceUrl, '--client-id', org.info.consumerKey],
    {
      env: { ...env, SFSYNC_CLIENT_SECRET: org.info.consumerSecret },
    },
  )
  assert.equal(r.code, 0, r.stderr)
  const defaults = ((await org.control('GET', '/connected-app')) as { settings: Record<string, unknown> })
    .settings
  const doctor = async (wait = 0): Promise<DoctorRun> => {
    const d = await runCli(['doctor', '--name', 'emu', '--json', '--wait', String(wait)], { env })
    const body = JSON.parse(d.stdout) as { checks: DoctorCheck[] }
    return { code: d.code, checks: body.checks, stderr: d.stderr }
  }
  return { org, env, defaults, doctor }
}

function line(run: DoctorRun, id: string): DoctorCheck {
  const found = run.checks.find((c) => c.id === id)
  assert.ok(found, `no "${id}" line in ${JSON.stringify(run.checks.map((c) => c.id))}`)
  return found
}

/** Each Connected App setting of the seed page, switched off, and the doctor line that must name it. */
const SWITCHED_OFF: {
  setting: string
  patch: Record<string, unknown>
  id: string
  status: DoctorCheck['status']
  names: RegExp
}[] = [
  {
    setting: 'Enable OAuth Settings',
    patch: { oauthEnabled: false },
    id: 'oauth-enabled',
    status: 'fail',
    names: /Enable OAuth Settings/,
  },
  {
    setting: 'Enable for Device Flow',
    patch: { deviceFlowEnabled: false },
    id: 'device-flow',
    status: 'warn',
    names: /Enable for Device Flow/,
  },
  {
    setting: 'Callback URL',
    patch: { callbackUrls: [] },
    id: 'callback-url',
    status: 'warn',
    names: /Callback URL/,
  },
  {
    setting: 'Selected OAuth Scopes',
    patch: { scopes: [] },
    id: 'scopes',
    status: 'fail',
    names: /Selected OAuth Scopes.*Manage user data via APIs \(api\)/s,
  },
  {
    setting: 'Require Secret for Web Server Flow',
    patch: { requireSecretForWebServerFlow: false },
    id: 'secret-web-server',
    status: 'warn',
    names: /Require Secret for Web Server Flow/,
  },
  {
    setting: 'Require Secret for Refresh Token Flow',
    patch: { requireSecretForRefreshTokenFlow: false },
    id: 'secret-refresh',
    status: 'warn',
    names: /Require Secret for Refresh Token Flow/,
  },
  {
    setting: 'Enable Client Credentials Flow',
    patch: { clientCredentialsEnabled: false },
    id: 'client-credentials',
    status: 'fail',
    names: /Enable Client Credentials Flow/,
  },
  {
    setting: 'Client Credentials Run As user',
    patch: { runAsUsername: null },
    id: 'client-credentials',
    status: 'fail',
    names: /Run As/,
  },
]

describe('sfsync doctor', () => {
  test('the seed page\'s app: every check passes except the scope warning ("full" alone gives no refresh token)', async (t) => {
    const { doctor } = await setup(t)
    const run = await doctor()
    assert.equal(run.code, 0)
    const notPassing = run.checks.filter((c) => c.status !== 'pass').map((c) => c.id)
    assert.deepEqual(notPassing, ['scopes'])
    const scopes = line(run, 'scopes')
    assert.equal(scopes.status, 'warn')
    assert.match(scopes.detail, /"full" alone does not include refresh_token/)
    assert.match(scopes.fix ?? '', /Perform requests at any time \(refresh_token, offline_access\)/)
    for (const id of [
      'org-reachable',
      'oauth-enabled',
      'consumer-key',
      'consumer-secret',
      'client-credentials',
      'device-flow',
      'callback-url',
      'secret-web-server',
      'secret-refresh',
      'introspection',
      'api-enabled',
      'clock-skew',
    ])
      assert.equal(line(run, id).status, 'pass', id)
  })

  test('human output: one line per check with PASS/FAIL/WARN, and the fix under it', async (t) => {
    const { env } = await setup(t)
    const r = await runCli(['doctor', '--name', 'emu', '--wait', '0'], { env })
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stdout.trim().split('\n')
    assert.equal(lines.filter((l) => /^(PASS|FAIL|WARN|SKIP) {2}/.test(l)).length, 13)
    assert.match(r.stdout, /^PASS {2}OAuth enabled \("Enable OAuth Settings"\): /m)
    assert.match(
      r.stdout,
      /^WARN {2}OAuth scopes \("Selected OAuth Scopes"\): .*\n {6}fix: Setup → App Manager → your app/m,
    )
    assert.equal(lines.at(-1), 'No check failed.')
  })

  test('each Connected App setting switched off gives the doctor line that names it, with the fix in Setup', async (t) => {
    const { org, defaults, doctor } = await setup(t)
    for (const c of SWITCHED_OFF) {
      await org.patchApp(c.patch)
      const run = await doctor()
      const check = line(run, c.id)
      assert.equal(check.status, c.status, `${c.setting}: ${JSON.stringify(check)}`)
      assert.match(`${check.title} ${check.fix ?? ''}`, c.names, c.setting)
      assert.match(check.fix ?? '', /Setup → /, `${c.setting}: the fix says where to click`)
      assert.equal(run.code, run.checks.some((x) => x.status === 'fail') ? 7 : 0)
      await org.control('PUT', '/connected-app', defaults)
    }
  })

  test('"Introspect All Tokens" off changes nothing for sfsync, which introspects only its own tokens', async (t) => {
    const { org, doctor } = await setup(t)
    await org.patchApp({ introspectAllTokens: false })
    const check = line(await doctor(), 'introspection')
    assert.equal(check.status, 'pass')
    assert.match(check.title, /Introspect All Tokens/)
  })

  test('"API Enabled" off for the Run As user gives the API line with the profile fix', async (t) => {
    const { org, doctor } = await setup(t)
    const res = await fetch(`${org.emulator.info.controlUrl}/users/integration@sfsync-emulator.example`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${org.emulator.info.controlToken}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ apiEnabled: false }),
    })
    assert.equal(res.status, 200)
    const run = await doctor()
    const check = line(run, 'api-enabled')
    assert.equal(check.status, 'fail')
    assert.match(check.detail, /API_DISABLED_FOR_ORG/)
    assert.match(
      check.fix ?? '',
      /Setup → Users → integration@sfsync-emulator\.example → Profile → System Permissions → check "API Enabled"/,
    )
    assert.equal(run.code, 7)
  })

  test('clock skew against the org is reported', async (t) => {
    const { org, doctor } = await setup(t)
    await org.control('POST', '/clock/advance', { seconds: 600 })
    const run = await doctor()
    const check = line(run, 'clock-skew')
    assert.equal(check.status, 'fail')
    assert.match(check.detail, /behind Salesforce/)
    assert.equal(run.code, 7)
  })

  test('a change that has not propagated yet is waited out with a visible countdown', async (t) => {
    const { org, env } = await setup(t)
    await org.patchApp({ oauthEnabled: false })
    // Long enough to outlast the CLI's start on a busy machine.
    await org.patchApp({ oauthEnabled: true, propagationDelayMs: 15_000 })
    const cli = spawnCli(['doctor', '--name', 'emu', '--json', '--wait', '60'], { env })
    await cli.waitForStderr(/waiting for Salesforce to apply the app's changes: \d+:\d\d left/)
    const done = await cli.done
    assert.equal(done.code, 0, done.stdout)
    assert.match(done.stderr, /a Connected App change takes up to 10 minutes to apply/)
    const checks = (JSON.parse(done.stdout) as { checks: DoctorCheck[] }).checks
    assert.equal(checks.find((c) => c.id === 'oauth-enabled')?.status, 'pass')
  })

  test('a key that stays unknown fails after the wait, naming both possible causes', async (t) => {
    const { org, doctor } = await setup(t)
    await org.patchApp({ oauthEnabled: false })
    const run = await doctor(2)
    assert.equal(run.code, 7)
    assert.match(run.stderr, /left/)
    assert.equal(line(run, 'oauth-enabled').status, 'fail')
    assert.equal(line(run, 'consumer-key').status, 'fail')
    assert.deepEqual(line(run, 'consumer-key').salesforce, {
      error: 'invalid_client_id',
      description: 'client identifier invalid',
    })
    assert.match(line(run, 'consumer-key').fix ?? '', /Manage Consumer Details/)
  })

  test('a wrong stored secret gives the consumer-secret line', async (t) => {
    const org: TestOrg = await startTestOrg(t)
    const tc = await openTestClient(t, { stateUrl: `sqlite:${isolatedSqlitePath(t)}` })
    await tc.service.connect({
      name: 'emu',
      instanceUrl: org.info.instanceUrl,
      clientId: org.info.consumerKey,
      clientSecret: org.info.consumerSecret,
      flow: 'client_credentials',
      callbackUrl: 'http://127.0.0.1:53682/callback',
    })
    const connection = await tc.store.getConnection('emu')
    assert.ok(connection)
    const checks = await runDoctor({
      connection,
      credentials: { clientId: org.info.consumerKey, clientSecret: 'a-secret-that-changed' },
      oauth: tc.oauth,
      http: tc.http,
      client: tc.client('emu'),
      callbackUrl: 'http://127.0.0.1:53682/callback',
      propagationWaitMs: 0,
    })
    const secret = checks.find((c) => c.id === 'consumer-secret')
    assert.equal(secret?.status, 'fail')
    assert.match(secret?.fix ?? '', /Manage Consumer Details/)
    assert.deepEqual(secret?.salesforce, {
      error: 'invalid_client',
      description: 'invalid client credentials',
    })
  })
})
