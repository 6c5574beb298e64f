/**
 * Crash safety (issue 5): `sfsync sync` killed with SIGKILL at random moments of an initial Bulk load,
 * then run again: the rerun resumes from the committed checkpoint with the same Bulk job (the
 * emulator's counters show one job created), and the destination ends equal to the org. The same for
 * an incremental run killed part-way.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { isolatedDir } from '../../test/support/isolation.ts'
import { runCli } from '../salesforce/testing/emulator-fixture.ts'
import { openDestination } from '../store/open-destination.ts'
import { STORE_KINDS, openTestDestination, startSyncOrg } from './testing/sync-fixture.ts'
import { assertConverged } from './testing/convergence.ts'
import { randomActivity, rng } from './testing/org-activity.ts'
import { parseCheckpoint } from './object-checkpoint.ts'

const MAIN = new URL('../cli/main.ts', import.meta.url).pathname
const JOB_CREATE = 'POST /services/data/:version/jobs/query'

/** Runs `sfsync ARGS`; when `killAfter` is given, SIGKILLs it that many ms after its first progress line about rows. */
function runSfsync(
  args: readonly string[],
  env: Record<string, string>,
  killAfter?: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const clean: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('SFSYNC_')) clean[k] = v
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  let armed = false
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString()
    if (killAfter !== undefined && !armed && stdout.includes('"type":"rows"')) {
      armed = true
      setTimeout(() => child.kill('SIGKILL'), killAfter)
    }
  })
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  )
}

for (const kind of STORE_KINDS) {
  describe(`crash safety on ${kind}`, () => {
    test('kill -9 at random moments of an initial load, then rerun: same Bulk job, destination equal to the org', async (t) => {
      const rows = kind === 'sqlite' ? 12_000 : 8_000
      const org = await startSyncOrg(t, { Account: rows }, `crash-${kind}`)
      const { url, schema } = await openTestDestination(t, kind)
      const home = join(isolatedDir(t), 'home')
      const env = {
        SFSYNC_HOME: home,
        SFSYNC_MASTER_KEY: randomBytes(32).toString('base64'),
        SFSYNC_LOG_LEVEL: 'warn',
      }
      const { info } = org.emulator
      const connected = await runCli(
        [
          'connect',
          '--name',
          'emu',
          '--instance-url',
          info.instanceUrl,
          '--client-id',
          info.consumerKey,
          '--json',
        ],
        { env: { ...env, SFSYNC_CLIENT_SECRET: info.consumerSecret } },
      )
      assert.equal(connected.code, 0, connected.stdout + connected.stderr)
      const args = [
        'sync',
        '--name',
        'emu',
        '--objects',
        'Account',
        '--dest',
        url,
        ...(schema ? ['--schema', schema] : []),
        '--json',
        '--bulk-threshold',
        '1000',
        '--bulk-page-records',
        '2000',
        '--commit-rows',
        '300',
        '--reconcile-every',
        '0',
      ]
      const random = rng(kind === 'sqlite' ? 7 : 8)
      let interrupted = 0
      for (let k = 0; k < 4; k++) {
        const killed = await runSfsync(args, env, Math.floor(random() * 400))
        const dest = await openDestination(url, schema ? { schema } : {})
        try {
          const cp = parseCheckpoint(await dest.readCheckpoint('Account'))
          if (killed.signal !== 'SIGKILL' || !cp?.load) break
          interrupted++
          // What was committed is a prefix of the load: the checkpoint counts exactly the rows stored.
          assert.equal(await dest.countRows('Account', { includeDeleted: true }), cp.load.bulk?.rows ?? 0)
        } finally {
          await dest.close()
        }
      }
      assert.ok(interrupted >= 1, 'at least one kill landed during the load')
      const final = await runSfsync(args, env)
      assert.equal(final.code, 0, final.stdout + final.stderr)
      const done = final.stdout
        .split('\n')
        .filter(Boolean)
        .map(
          (l) =>
            JSON.parse(l) as {
              type: string
              result?: { objects: { reusedBulkJob?: boolean; phase: string }[] }
            },
        )
        .find((l) => l.type === 'run-done')
      assert.equal(done?.result?.objects[0]?.phase, 'load')
      assert.equal(done?.result?.objects[0]?.reusedBulkJob, true)
      const counters = await org.counters()
      assert.equal(counters[JOB_CREATE], 1, 'one Bulk job for the whole load')
      const dest = await openDestination(url, schema ? { schema } : {})
      try {
        assert.equal(await assertConverged(org, dest, 'Account'), rows)
      } finally {
        await dest.close()
      }

      // An incremental run killed part-way, then a rerun: still equal.
      await randomActivity(org, 'Account', 200, random)
      await runSfsync(args, env, Math.floor(random() * 50))
      const again = await runSfsync(args, env)
      assert.equal(again.code, 0, again.stdout + again.stderr)
      const after = await openDestination(url, schema ? { schema } : {})
      t.after(() => after.close())
      await assertConverged(org, after, 'Account')
    })
  })
}
