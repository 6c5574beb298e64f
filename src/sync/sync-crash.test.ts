/**
 * Crash safety (issue 5): `sfsync sync` killed with SIGKILL at random moments of an initial Bulk load
 * (several kills of the same load, each leaving a committed prefix), then run again: the rerun resumes
 * from the committed checkpoint with the same Bulk job (the emulator's counters show one job created),
 * and the destination ends equal to the org. Then incremental runs, each killed at a random moment and
 * followed by a rerun that stays incremental and ends equal to the org. The moments come from a seeded
 * generator whose seed is printed (see SEED).
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { isolatedDir } from '../../test/support/isolation.ts'
import { runCli } from '../../test/support/salesforce/emulator-fixture.ts'
import { openDestination } from '../store/open-destination.ts'
import { STORE_KINDS, openTestDestination, startSyncOrg } from '../../test/support/sync/sync-fixture.ts'
import { assertConverged } from '../../test/support/sync/convergence.ts'
import { randomActivity, rng } from '../../test/support/sync/org-activity.ts'
import { parseCheckpoint } from './object-checkpoint.ts'

const MAIN = new URL('../cli/main.ts', import.meta.url).pathname
const JOB_CREATE = 'POST /services/data/:version/jobs/query'

/** Kill moments per store: this many during the initial load, this many during incremental runs. */
const LOAD_KILLS = 6
const INCREMENTAL_KILLS = 4
/**
 * The moments are drawn from a seeded generator; the seed is printed (test diagnostics and assertion
 * messages) and `SFSYNC_TEST_CRASH_SEED=N` replays a failing run. Default: a new seed each run.
 */
const SEED = Number(process.env.SFSYNC_TEST_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31))

interface SfsyncRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/**
 * Runs `sfsync ARGS`; with `kill`, SIGKILLs it `kill.afterMs` after the first JSON line of type
 * `kill.on` (`rows`: rows are being committed; `run-start`: anywhere in the run).
 */
function runSfsync(
  args: readonly string[],
  env: Record<string, string>,
  kill?: { on: 'rows' | 'run-start'; afterMs: number },
): Promise<SfsyncRun> {
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
    if (kill && !armed && stdout.includes(`"type":"${kill.on}"`)) {
      armed = true
      setTimeout(() => child.kill('SIGKILL'), kill.afterMs)
    }
  })
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  )
}

/** The Account result of a finished `sfsync sync --json` run. */
function accountResult(run: SfsyncRun): { reusedBulkJob?: boolean; phase: string } | undefined {
  const done = run.stdout
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
  return done?.result?.objects[0]
}

for (const kind of STORE_KINDS) {
  describe(`crash safety on ${kind}`, () => {
    test(`kill -9 at ${LOAD_KILLS} random moments of an initial load and ${INCREMENTAL_KILLS} of incremental runs, each followed by a rerun: same Bulk job, destination equal to the org`, async (t) => {
      const seed = SEED + (kind === 'sqlite' ? 0 : 1)
      const random = rng(seed)
      const moments: string[] = []
      const replay = () =>
        `seed ${seed} (replay: SFSYNC_TEST_CRASH_SEED=${SEED}); kills: ${moments.join(', ')}`
      t.diagnostic(`crash seed ${seed} (replay with SFSYNC_TEST_CRASH_SEED=${SEED})`)
      const rows = kind === 'sqlite' ? 30_000 : 16_000
      const org = await startSyncOrg(t, { Account: rows }, `crash-${kind}`)
      // Every Bulk results page takes at least 250 ms, so that a load lasts several pages' time on any
      // machine and the kills (0-400 ms after the first rows) land inside it, not after it.
      await org.control('POST', '/faults', {
        rules: [
          {
            method: 'GET',
            path: '/services/data/*/jobs/query/*/results',
            fault: { kind: 'latency', ms: 250 },
            rate: 1,
          },
        ],
      })
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
      const open = () => openDestination(url, schema ? { schema } : {})
      let interrupted = 0
      // The run that finished the load: a killed one whose kill came too late, or the rerun below.
      let completer: SfsyncRun | undefined
      for (let k = 0; k < LOAD_KILLS; k++) {
        const afterMs = Math.floor(random() * 400)
        const killed = await runSfsync(args, env, { on: 'rows', afterMs })
        const dest = await open()
        try {
          const cp = parseCheckpoint(await dest.readCheckpoint('Account'))
          const landed = killed.signal === 'SIGKILL' && cp?.load !== undefined
          moments.push(
            `load ${k + 1}: ${afterMs} ms after the first rows${landed ? ` (${cp?.load?.bulk?.rows ?? 0} rows committed)` : ', after the load ended'}`,
          )
          if (!landed) {
            completer = killed
            break
          }
          interrupted++
          // What was committed is a prefix of the load: the checkpoint counts exactly the rows stored.
          assert.equal(
            await dest.countRows('Account', { includeDeleted: true }),
            cp.load?.bulk?.rows ?? 0,
            replay(),
          )
        } finally {
          await dest.close()
        }
      }
      assert.ok(interrupted >= Math.min(3, LOAD_KILLS), `most kills landed during the load: ${replay()}`)
      if (!completer) {
        completer = await runSfsync(args, env)
        assert.equal(completer.code, 0, completer.stdout + completer.stderr)
      }
      const loaded = accountResult(completer)
      // A run killed after the load's last commit but before its summary printed has no result to show.
      if (loaded || completer.signal !== 'SIGKILL') {
        assert.equal(loaded?.phase, 'load', replay())
        assert.equal(loaded?.reusedBulkJob, true, replay())
      }
      assert.equal((await org.counters())[JOB_CREATE], 1, `one Bulk job for the whole load: ${replay()}`)
      const dest = await open()
      try {
        assert.equal(await assertConverged(org, dest, 'Account'), rows, replay())
      } finally {
        await dest.close()
      }

      // Incremental runs killed at a random moment, each followed by a rerun: equal every time, and a
      // rerun never goes back to a load (no Bulk load job).
      for (let k = 0; k < INCREMENTAL_KILLS; k++) {
        await randomActivity(org, 'Account', 150, random)
        const afterMs = Math.floor(random() * 500)
        const killed = await runSfsync(args, env, { on: 'run-start', afterMs })
        const finished = accountResult(killed) !== undefined
        moments.push(
          `incremental ${k + 1}: ${afterMs} ms after run-start${finished ? ', after the run ended' : ''}`,
        )
        const jobsBefore = (await org.counters())[JOB_CREATE] ?? 0
        const again = await runSfsync(args, env)
        assert.equal(again.code, 0, `${again.stdout}${again.stderr}\n${replay()}`)
        assert.equal(accountResult(again)?.phase, 'changes', replay())
        const jobs = ((await org.counters())[JOB_CREATE] ?? 0) - jobsBefore
        // Only the Id reconciliation (--reconcile-every 0) may read through Bulk: one job at most.
        assert.ok(jobs <= 1, `no Bulk load started over (${jobs} jobs): ${replay()}`)
        const after = await open()
        try {
          await assertConverged(org, after, 'Account')
        } finally {
          await after.close()
        }
      }
      t.diagnostic(replay())
    })
  })
}
