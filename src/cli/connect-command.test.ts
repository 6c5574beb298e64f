import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { databaseUrl, isolatedDir, isolatedPgSchema } from '../../test/support/isolation.ts'
import {
  runCli,
  startTestOrg,
  type CliResult,
  type TestOrg,
} from '../../test/support/salesforce/emulator-fixture.ts'
import { openStateStore } from '../store/state/open-state-store.ts'
import { SecretBox } from '../secrets/secret-box.ts'
import { sealContext } from '../salesforce/token-manager.ts'

interface Env {
  readonly home: string
  readonly key: string
  env(extra?: Record<string, string | undefined>): Record<string, string | undefined>
}

/** A port nothing listens on (bound once, then released). */
const closedPort = await new Promise<number>((resolve) => {
  const srv = createServer()
  srv.listen(0, '127.0.0.1', () => {
    const address = srv.address()
    srv.close(() => resolve(typeof address === 'object' && address ? address.port : 9))
  })
})

function makeEnv(t: Parameters<typeof isolatedDir>[0]): Env {
  const home = join(isolatedDir(t), 'home')
  const key = randomBytes(32).toString('base64')
  return { home, key, env: (extra = {}) => ({ SFSYNC_HOME: home, SFSYNC_MASTER_KEY: key, ...extra }) }
}

function connectArgs(org: TestOrg, name: string, extra: string[] = []): string[] {
  return [
    'connect',
    '--name',
    name,
    '--instance-url',
    org.info.instanceUrl,
    '--client-id',
    org.info.consumerKey,
    ...extra,
  ]
}

function json(r: CliResult): Record<string, unknown> {
  return JSON.parse(r.stdout) as Record<string, unknown>
}

/** Every file under `dir`, concatenated (the state database with its WAL, the key file, logs). */
function allBytes(dir: string): Buffer {
  if (!existsSync(dir)) return Buffer.alloc(0)
  return Buffer.concat(
    readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .map((f) => join(dir, f))
      .filter((p) => statSync(p).isFile())
      .map((p) => readFileSync(p)),
  )
}

async function storedAccessToken(e: Env, name: string): Promise<string> {
  const store = await openStateStore({
    stateUrl: `sqlite:${join(e.home, 'state.sqlite')}`,
    stateSchema: 'x',
    lockTimeoutMs: 5000,
  })
  try {
    const token = await store.getToken(name)
    assert.ok(token)
    return new SecretBox(Buffer.from(e.key, 'base64')).open(
      token.accessTokenSealed,
      sealContext.accessToken(name),
    )
  } finally {
    await store.close()
  }
}

describe('sfsync connect / connections / disconnect', () => {
  test('client credentials: connects, prints the org, lists it, and keeps secrets out of files, logs and output', async (t) => {
    const org = await startTestOrg(t)
    const e = makeEnv(t)
    const logFile = join(isolatedDir(t), 'sfsync.log')
    const common = { SFSYNC_LOG_LEVEL: 'debug', SFSYNC_LOG_FILE: logFile }
    const human = await runCli(connectArgs(org, 'emu'), {
      env: e.env({ ...common, SFSYNC_CLIENT_SECRET: org.info.consumerSecret }),
    })
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, new RegExp(`Connected "emu" to org ${org.info.orgId}`))
    assert.match(human.stdout, /integration@sfsync-emulator\.example/)

    const viaStdin = await runCli([...connectArgs(org, 'emu2'), '--client-secret-stdin', '--json'], {
      env: e.env(common),
      input: `${org.info.consumerSecret}\n`,
    })
    assert.equal(viaStdin.code, 0, viaStdin.stderr)
    const connected = json(viaStdin)
    assert.equal(connected.ok, true)
    assert.equal((connected.connection as Record<string, unknown>).orgId, org.info.orgId)

    const listed = await runCli(['connections', '--json'], { env: e.env(common) })
    assert.equal(listed.code, 0)
    const names = (json(listed).connections as { name: string }[]).map((c) => c.name)
    assert.deepEqual(names, ['emu', 'emu2'])

    const doctor = await runCli(['doctor', '--name', 'emu', '--wait', '0', '--json'], { env: e.env(common) })
    assert.equal(doctor.code, 0, doctor.stdout)

    const accessToken = await storedAccessToken(e, 'emu')
    assert.match(accessToken, /^00D/)
    const secretValues = [org.info.consumerSecret, accessToken, e.key]
    const everything = Buffer.concat([
      allBytes(e.home),
      readFileSync(logFile),
      ...[human, viaStdin, listed, doctor].map((r) => Buffer.from(r.stdout + r.stderr)),
    ])
    assert.ok(readFileSync(logFile).length > 0, 'the debug log has lines')
    for (const secret of secretValues)
      assert.equal(everything.indexOf(secret), -1, 'a secret leaked into files, logs or output')
    assert.equal(statSync(join(e.home, 'state.sqlite')).mode & 0o777, 0o600)
  })

  test('the key file is created on first use with mode 0600 and reused', async (t) => {
    const org = await startTestOrg(t)
    const e = makeEnv(t)
    const env = { SFSYNC_HOME: e.home, SFSYNC_CLIENT_SECRET: org.info.consumerSecret }
    assert.equal((await runCli(connectArgs(org, 'a'), { env })).code, 0)
    const keyFile = join(e.home, 'master.key')
    assert.equal(statSync(keyFile).mode & 0o777, 0o600)
    const before = readFileSync(keyFile, 'utf8')
    const doctor = await runCli(['doctor', '--name', 'a', '--wait', '0'], { env })
    assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr)
    assert.equal(readFileSync(keyFile, 'utf8'), before)
  })

  test('disconnect revokes at the org and erases the connection', async (t) => {
    const org = await startTestOrg(t)
    const e = makeEnv(t)
    assert.equal(
      (
        await runCli(connectArgs(org, 'emu'), {
          env: e.env({ SFSYNC_CLIENT_SECRET: org.info.consumerSecret }),
        })
      ).code,
      0,
    )
    const accessToken = await storedAccessToken(e, 'emu')
    const r = await runCli(['disconnect', '--name', 'emu', '--json'], { env: e.env() })
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.deepEqual(json(r).revoked, ['access_token'])
    const state = (await org.control('POST', '/oauth/token-state', { token: accessToken })) as {
      state: string
    }
    assert.equal(state.state, 'revoked')
    const listed = await runCli(['connections', '--json'], { env: e.env() })
    assert.deepEqual(json(listed).connections, [])
    const again = await runCli(['disconnect', '--name', 'emu'], { env: e.env() })
    assert.equal(again.code, 2)
    assert.match(again.stderr, /no connection named "emu"/)
  })

  test('in a terminal, the secret is asked for without being echoed', async (t) => {
    const org = await startTestOrg(t)
    const e = makeEnv(t)
    const main = new URL('./main.ts', import.meta.url).pathname
    const command = [process.execPath, main, ...connectArgs(org, 'tty')].map((a) => `'${a}'`).join(' ')
    // script(1) gives the command a pseudo-terminal, as a person's shell would.
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      env: { ...process.env, ...e.env() },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let screen = ''
    child.stdout.on('data', (d: Buffer) => {
      const before = screen
      screen += d.toString()
      if (!before.includes('Consumer secret') && screen.includes('Consumer secret'))
        child.stdin.write(`${org.info.consumerSecret}\r`)
    })
    const [code] = (await once(child, 'close')) as [number | null]
    assert.equal(code, 0, screen)
    assert.match(screen, /Consumer secret \(input hidden\): /)
    assert.match(screen, /Connected "tty" to org/)
    assert.equal(screen.includes(org.info.consumerSecret), false, 'the typed secret is not echoed')
  })

  test('SFSYNC_STATE_URL keeps the state in PostgreSQL (no state.sqlite in the home folder)', async (t) => {
    const org = await startTestOrg(t)
    const e = makeEnv(t)
    const pg = { SFSYNC_STATE_URL: databaseUrl(), SFSYNC_STATE_SCHEMA: await isolatedPgSchema(t) }
    const r = await runCli([...connectArgs(org, 'emu'), '--json'], {
      env: e.env({ ...pg, SFSYNC_CLIENT_SECRET: org.info.consumerSecret }),
    })
    assert.equal(r.code, 0, r.stderr)
    const listed = await runCli(['connections', '--json'], { env: e.env(pg) })
    assert.deepEqual(
      (json(listed).connections as { name: string }[]).map((c) => c.name),
      ['emu'],
    )
    assert.equal(existsSync(join(e.home, 'state.sqlite')), false)
    assert.deepEqual(
      json(await runCli(['connections', '--json'], { env: e.env() })).connections,
      [],
      'the SQLite state is another store',
    )
    const d = await runCli(['disconnect', '--name', 'emu'], { env: e.env(pg) })
    assert.equal(d.code, 0, d.stderr)
  })

  describe('malformed input: a clear message, a non-zero exit, nothing written', () => {
    const cases: {
      title: string
      args: (org: TestOrg) => string[]
      env?: (org: TestOrg) => Record<string, string>
      input?: string
      code: number
      message: RegExp
    }[] = [
      {
        title: 'plain http on a real host',
        args: (org) => [
          'connect',
          '--name',
          'x',
          '--instance-url',
          'http://acme.my.salesforce.com',
          '--client-id',
          org.info.consumerKey,
        ],
        code: 2,
        message: /only reachable over https/,
      },
      {
        title: 'a Lightning URL',
        args: (org) => [
          'connect',
          '--name',
          'x',
          '--instance-url',
          'https://acme.lightning.force.com',
          '--client-id',
          org.info.consumerKey,
        ],
        code: 2,
        message: /Lightning UI domain.*acme\.my\.salesforce\.com/s,
      },
      {
        title: 'not a URL',
        args: (org) => [
          'connect',
          '--name',
          'x',
          '--instance-url',
          'https://exa mple',
          '--client-id',
          org.info.consumerKey,
        ],
        code: 2,
        message: /is not a URL/,
      },
      {
        title: 'an empty secret on stdin',
        args: (org) => [...connectArgs(org, 'x'), '--client-secret-stdin'],
        input: '\n',
        code: 2,
        message: /consumer secret is empty/,
      },
      {
        title: 'no secret at all (not a terminal)',
        args: (org) => connectArgs(org, 'x'),
        code: 2,
        message: /No consumer secret given/,
      },
      {
        title: 'the secret as a flag',
        args: (org) => [...connectArgs(org, 'x'), '--client-secret', 'visible-in-ps'],
        code: 2,
        message: /--client-secret is refused/,
      },
      {
        title: 'an unreachable org',
        args: (org) => [
          'connect',
          '--name',
          'x',
          '--instance-url',
          `http://127.0.0.1:${closedPort}`,
          '--client-id',
          org.info.consumerKey,
        ],
        env: (org) => ({ SFSYNC_CLIENT_SECRET: org.info.consumerSecret, SFSYNC_HTTP_RETRIES: '1' }),
        code: 4,
        message: /Cannot reach http:\/\/127\.0\.0\.1:\d+: the connection was refused/,
      },
      {
        title: 'a wrong consumer secret',
        args: (org) => connectArgs(org, 'x'),
        env: () => ({ SFSYNC_CLIENT_SECRET: 'not-the-secret' }),
        code: 3,
        message: /consumer secret is wrong.*invalid_client: invalid client credentials.*next: /s,
      },
      {
        title: 'an unknown consumer key',
        args: (org) => [
          'connect',
          '--name',
          'x',
          '--instance-url',
          org.info.instanceUrl,
          '--client-id',
          '3MVG9unknownKeyAAAAAAAAAAAA',
        ],
        env: (org) => ({ SFSYNC_CLIENT_SECRET: org.info.consumerSecret }),
        code: 3,
        message: /does not know this consumer key.*invalid_client_id/s,
      },
      {
        title: 'client credentials on the login host',
        args: (org) => [
          'connect',
          '--name',
          'x',
          '--instance-url',
          org.info.loginUrl,
          '--client-id',
          org.info.consumerKey,
        ],
        env: (org) => ({ SFSYNC_CLIENT_SECRET: org.info.consumerSecret }),
        code: 3,
        message: /only works on the org's My Domain.*request not supported on this domain/s,
      },
      {
        title: 'an unknown connection name',
        args: () => ['doctor', '--name', 'nope'],
        code: 2,
        message: /There is no connection named "nope"/,
      },
    ]
    for (const c of cases) {
      test(c.title, async (t) => {
        const org = await startTestOrg(t)
        const e = makeEnv(t)
        const r = await runCli(c.args(org), {
          env: e.env(c.env?.(org) ?? {}),
          ...(c.input !== undefined ? { input: c.input } : {}),
        })
        assert.equal(r.code, c.code, r.stdout + r.stderr)
        assert.match(r.stderr, c.message)
        assert.equal(r.stdout, '')
        const listed = await runCli(['connections', '--json'], { env: e.env() })
        assert.deepEqual(json(listed).connections, [], 'nothing half-written')
      })
    }

    test("--json errors keep Salesforce's code verbatim next to the message", async (t) => {
      const org = await startTestOrg(t)
      const e = makeEnv(t)
      const r = await runCli([...connectArgs(org, 'x'), '--json'], {
        env: e.env({ SFSYNC_CLIENT_SECRET: 'wrong-secret-value' }),
      })
      assert.equal(r.code, 3)
      const body = json(r)
      assert.equal(body.ok, false)
      const error = body.error as Record<string, string>
      assert.equal(error.oauthError, 'invalid_client')
      assert.equal(error.oauthErrorDescription, 'invalid client credentials')
      assert.match(error.nextStep ?? '', /Manage Consumer Details/)
      assert.doesNotMatch(r.stdout, /wrong-secret-value/)
    })

    test('a wrong master key: a clear message, and the stored connection is untouched', async (t) => {
      const org = await startTestOrg(t)
      const e = makeEnv(t)
      assert.equal(
        (
          await runCli(connectArgs(org, 'emu'), {
            env: e.env({ SFSYNC_CLIENT_SECRET: org.info.consumerSecret }),
          })
        ).code,
        0,
      )
      const wrong = { SFSYNC_MASTER_KEY: randomBytes(32).toString('base64') }
      const r = await runCli(['doctor', '--name', 'emu', '--wait', '0'], { env: e.env(wrong) })
      assert.equal(r.code, 5, r.stdout + r.stderr)
      assert.match(r.stderr, /encrypted with another master key/)
      const bad = await runCli(['doctor', '--name', 'emu'], { env: e.env({ SFSYNC_MASTER_KEY: 'short' }) })
      assert.equal(bad.code, 5)
      assert.match(bad.stderr, /SFSYNC_MASTER_KEY is not a 32-byte key/)
      const ok = await runCli(['doctor', '--name', 'emu', '--wait', '0'], { env: e.env() })
      assert.equal(ok.code, 0, ok.stdout)
    })

    test('disconnect from an unreachable org keeps the connection (retry later, or --local-only)', async (t) => {
      const org = await startTestOrg(t)
      const e = makeEnv(t)
      assert.equal(
        (
          await runCli(connectArgs(org, 'emu'), {
            env: e.env({ SFSYNC_CLIENT_SECRET: org.info.consumerSecret }),
          })
        ).code,
        0,
      )
      await org.close()
      const r = await runCli(['disconnect', '--name', 'emu'], { env: e.env({ SFSYNC_HTTP_RETRIES: '1' }) })
      assert.equal(r.code, 4, r.stderr)
      assert.match(r.stderr, /Cannot reach .*the connection was refused/)
      assert.equal(
        (json(await runCli(['connections', '--json'], { env: e.env() })).connections as unknown[]).length,
        1,
      )
      const local = await runCli(['disconnect', '--name', 'emu', '--local-only'], { env: e.env() })
      assert.equal(local.code, 0)
      assert.deepEqual(json(await runCli(['connections', '--json'], { env: e.env() })).connections, [])
    })
  })
})
