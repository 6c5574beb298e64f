/**
 * `sfsync sync --watch` and the terminal progress view end to end (issue 5, "Command"): the CLI as a
 * real child process against the emulator, org changes made through its control API while the watch
 * runs, the SQLite destination read with node:sqlite, signals sent to the process, and the progress
 * bars seen through a real pseudo-terminal (util-linux `script`).
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { DatabaseSync } from 'node:sqlite'
import { isolatedDir, isolatedSqlitePath, type TestContextLike } from '../../test/support/isolation.ts'
import {
  runCli,
  spawnCli,
  type CliResult,
  type RunningCli,
} from '../../test/support/salesforce/emulator-fixture.ts'
import { startSyncOrg, type SyncTestOrg } from '../../test/support/sync/sync-fixture.ts'

const ESC = String.fromCharCode(27)
const OBJECTS = ['Account', 'Contact'] as const

interface JsonLine {
  readonly type: string
  readonly runId?: string
  readonly message?: string
  readonly signal?: string
  readonly runs?: number
  readonly rowsWritten?: number
  readonly result?: {
    readonly runId: string
    readonly objects: readonly { object: string; status: string; rowsWritten: number }[]
  }
}

/** The complete JSON lines printed so far (a line still being written is left out). */
function jsonLines(stdout: string): JsonLine[] {
  const end = stdout.lastIndexOf('\n')
  return end < 0
    ? []
    : stdout
        .slice(0, end)
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as JsonLine)
}

function countOf(stdout: string, type: string): number {
  return jsonLines(stdout).filter((l) => l.type === type).length
}

/** An org with Account and Contact rows and a connection `emu` made with `sfsync connect`. */
async function connectedOrg(
  t: TestContextLike,
  records: Record<string, number>,
): Promise<{ org: SyncTestOrg; env: Record<string, string> }> {
  const org = await startSyncOrg(t, records, 'sync-watch')
  const env = {
    SFSYNC_HOME: join(isolatedDir(t), 'home'),
    SFSYNC_MASTER_KEY: randomBytes(32).toString('base64'),
    SFSYNC_LOG_LEVEL: 'warn',
  }
  const { info } = org.emulator
  const connect = await runCli(
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
  assert.equal(connect.code, 0, connect.stdout + connect.stderr)
  return { org, env }
}

/** Starts `sfsync sync --watch --json` on Account and Contact; killed after the test if still running. */
function startWatch(
  t: TestContextLike,
  env: Record<string, string>,
  dbPath: string,
  intervalSeconds: number,
): RunningCli {
  const cli = spawnCli(
    [
      'sync',
      '--name',
      'emu',
      '--objects',
      OBJECTS.join(','),
      '--dest',
      `sqlite:${dbPath}`,
      '--watch',
      '--interval',
      String(intervalSeconds),
      '--json',
    ],
    { env },
  )
  t.after(() => cli.kill('SIGKILL'))
  return cli
}

/** Reads the destination file while sfsync may be writing it (WAL: readers do not block the writer). */
function readDb<T>(dbPath: string, read: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(dbPath, { readOnly: true })
  try {
    return read(db)
  } finally {
    db.close()
  }
}

interface StoredRun {
  readonly run_id: string
  readonly object: string
  readonly status: string
  readonly finished_at: string | null
}

function storedRuns(dbPath: string): StoredRun[] {
  return readDb(
    dbPath,
    (db) =>
      db
        .prepare('SELECT run_id, object, status, finished_at FROM _sfsync_runs ORDER BY started_at, object')
        .all() as unknown as StoredRun[],
  )
}

/**
 * What stdout and the run table must show after the watch ended by `signal`: every run that started
 * also finished (a run-done line, and a finished row per object in the run table, nothing else there),
 * and a last line summing the watch up.
 */
function assertEveryRunFinished(stdout: string, dbPath: string, signal: string): JsonLine[] {
  const lines = jsonLines(stdout)
  const started = lines.filter((l) => l.type === 'run-start').map((l) => l.runId)
  const finished = lines.filter((l) => l.type === 'run-done').map((l) => l.result?.runId)
  assert.ok(started.length > 0, stdout)
  assert.deepEqual(finished, started, 'every run that started printed its run-done line')
  const runs = storedRuns(dbPath)
  assert.deepEqual(
    [...new Set(runs.map((r) => r.run_id))].sort(),
    [...started].sort(),
    'the run table holds exactly the runs printed',
  )
  for (const runId of started) {
    const rows = runs.filter((r) => r.run_id === runId)
    assert.deepEqual(
      rows.map((r) => r.object).sort(),
      [...OBJECTS],
      `run ${runId}: one row per object in the run table`,
    )
    for (const r of rows) {
      assert.equal(r.status, 'synced', `run ${runId} ${r.object}`)
      assert.ok(r.finished_at !== null, `run ${runId} ${r.object} has finished_at`)
    }
  }
  const last = lines.at(-1)
  assert.equal(last?.type, 'watch-done', `the last line sums the watch up: ${stdout}`)
  assert.equal(last.signal, signal)
  assert.equal(last.runs, started.length)
  assert.equal(
    last.rowsWritten,
    lines
      .filter((l) => l.type === 'run-done')
      .flatMap((l) => l.result?.objects ?? [])
      .reduce((n, o) => n + o.rowsWritten, 0),
  )
  return lines
}

/**
 * The end of a command that was told to stop; a command still running 30 s later fails the test then
 * (rather than after a 600 s --interval).
 */
async function endOf(cli: RunningCli, what: string): Promise<CliResult> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const { stdout, stderr } = cli.output()
      reject(new Error(`still running 30 s after ${what}; stdout: ${stdout}\nstderr: ${stderr}`))
    }, 30_000)
  })
  try {
    return await Promise.race([cli.done, late])
  } finally {
    clearTimeout(timer)
  }
}

/** Sends `signal` and waits for the end; the time from the signal to the exit is returned too. */
async function stopWith(cli: RunningCli, signal: NodeJS.Signals): Promise<CliResult & { ms: number }> {
  const sent = performance.now()
  cli.kill(signal)
  const result = await endOf(cli, signal)
  return { ...result, ms: performance.now() - sent }
}

/** How long a stopped watch may take to end: a run in flight finishes first (a second or so here). */
const PROMPT_EXIT_MS = 8_000

describe('sfsync sync --watch', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    test(`runs again every --interval, picks up org inserts, updates and deletes; ${signal} ends it with exit 0, a summary and no run half-done`, async (t) => {
      const { org, env } = await connectedOrg(t, { Account: 60, Contact: 40 })
      const dbPath = isolatedSqlitePath(t)
      const cli = startWatch(t, env, dbPath, 1)
      await cli.waitFor(
        ({ stdout }) => (countOf(stdout, 'run-done') >= 1 ? true : undefined),
        'the initial load',
        45_000,
      )
      const [a1, a2, a3] = readDb(
        dbPath,
        (db) =>
          db.prepare('SELECT id FROM account WHERE isdeleted = 0 ORDER BY id LIMIT 3').all() as {
            id: string
          }[],
      ).map((r) => r.id)
      const [c1] = readDb(
        dbPath,
        (db) =>
          db.prepare('SELECT id FROM contact WHERE isdeleted = 0 ORDER BY id LIMIT 1').all() as {
            id: string
          }[],
      ).map((r) => r.id)
      assert.ok(a1 && a2 && a3 && c1, 'the initial load wrote rows')

      // Changes behind the client's back, while the watch keeps running.
      const insertedAccount = (
        (await org.control('POST', '/records/Account', { Name: 'Watch inserted' })) as { id: string }
      ).id
      const insertedContact = (
        (await org.control('POST', '/records/Contact', { LastName: 'Watch inserted' })) as { id: string }
      ).id
      await org.control('PATCH', `/records/Account/${a1}`, { Name: 'Watch updated 1' })
      await org.control('PATCH', `/records/Account/${a2}`, { Name: 'Watch updated 2' })
      await org.control('DELETE', `/records/Account/${a3}`)
      await org.control('DELETE', `/records/Contact/${c1}`)
      // Two runs that started after the last change, and finished.
      const changedAt = countOf(cli.output().stdout, 'run-start')
      await cli.waitFor(
        ({ stdout }) => (countOf(stdout, 'run-done') >= changedAt + 2 ? true : undefined),
        'two completed runs after the changes',
        45_000,
      )

      const local = (object: string, nameColumn: string) =>
        readDb(dbPath, (db) =>
          (
            db.prepare(`SELECT id, ${nameColumn} AS name, isdeleted FROM ${object} ORDER BY id`).all() as {
              id: string
              name: string
              isdeleted: number
            }[]
          ).map((r) => [r.id, r.name, Number(r.isdeleted) === 1] as const),
        )
      const remote = async (object: string, nameField: string) =>
        [...(await org.orgRows(object, ['Id', nameField, 'IsDeleted'])).values()]
          .map((r) => [String(r.Id), String(r[nameField]), r.IsDeleted === true] as const)
          .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
      const accounts = local('account', 'name')
      assert.deepEqual(accounts, await remote('Account', 'Name'), 'account equals the org')
      assert.deepEqual(
        local('contact', 'lastname'),
        await remote('Contact', 'LastName'),
        'contact equals the org',
      )
      const byId = new Map(accounts.map((r) => [r[0], r]))
      assert.deepEqual(byId.get(insertedAccount), [insertedAccount, 'Watch inserted', false])
      assert.deepEqual(byId.get(a1)?.[1], 'Watch updated 1')
      assert.deepEqual(byId.get(a2)?.[1], 'Watch updated 2')
      assert.equal(byId.get(a3)?.[2], true, 'the deleted Account is marked isdeleted')
      assert.ok(local('contact', 'lastname').some((r) => r[0] === insertedContact && r[2] === false))
      assert.ok(local('contact', 'lastname').some((r) => r[0] === c1 && r[2] === true))

      const stopped = await stopWith(cli, signal)
      assert.equal(stopped.code, 0, stopped.stdout + stopped.stderr)
      t.diagnostic(`ended ${Math.round(stopped.ms)} ms after ${signal}`)
      assert.ok(stopped.ms < PROMPT_EXIT_MS, `ended ${Math.round(stopped.ms)} ms after ${signal}`)
      assertEveryRunFinished(stopped.stdout, dbPath, signal)
    })

  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    test(`${signal} in the pause between runs ends the watch at once, not after --interval`, async (t) => {
      const { env } = await connectedOrg(t, { Account: 20, Contact: 10 })
      const dbPath = isolatedSqlitePath(t)
      // A pause far longer than the test may wait: only an interrupted pause ends it in time.
      const cli = startWatch(t, env, dbPath, 600)
      await cli.waitFor(
        ({ stdout }) => (countOf(stdout, 'run-done') >= 1 ? true : undefined),
        'the first run',
        45_000,
      )
      const stopped = await stopWith(cli, signal)
      assert.equal(stopped.code, 0, stopped.stdout + stopped.stderr)
      t.diagnostic(`ended ${Math.round(stopped.ms)} ms after ${signal}`)
      assert.ok(stopped.ms < PROMPT_EXIT_MS, `ended ${Math.round(stopped.ms)} ms after ${signal}`)
      assertEveryRunFinished(stopped.stdout, dbPath, signal)
      assert.equal(countOf(stopped.stdout, 'run-done'), 1)
    })

  test('a signal during a run lets that run finish and exit 0; a second signal stops at once with 130', async (t) => {
    const { org, env } = await connectedOrg(t, { Account: 20, Contact: 10 })
    // Every REST query takes 600 ms, so that a run lasts a few seconds and the signal lands inside it.
    await org.control('POST', '/faults', {
      rules: [
        { method: 'GET', path: '/services/data/*/query*', fault: { kind: 'latency', ms: 600 }, rate: 1 },
      ],
    })
    const dbPath = isolatedSqlitePath(t)
    const cli = startWatch(t, env, dbPath, 600)
    await cli.waitFor(
      ({ stdout }) => (jsonLines(stdout).some((l) => l.type === 'object-start') ? true : undefined),
      'the first object to start',
      45_000,
    )
    const stopped = await stopWith(cli, 'SIGINT')
    assert.equal(stopped.code, 0, stopped.stdout + stopped.stderr)
    const lines = assertEveryRunFinished(stopped.stdout, dbPath, 'SIGINT')
    const notice = lines.findIndex((l) => l.type === 'notice' && /SIGINT/.test(l.message ?? ''))
    assert.ok(notice >= 0, `a notice says the watch stops after this run: ${stopped.stdout}`)
    assert.ok(
      notice < lines.findIndex((l) => l.type === 'run-done'),
      'the run was still going when the signal came',
    )

    const again = startWatch(t, env, isolatedSqlitePath(t), 600)
    await again.waitFor(
      ({ stdout }) => (jsonLines(stdout).some((l) => l.type === 'object-start') ? true : undefined),
      'the first object to start',
      45_000,
    )
    again.kill('SIGINT')
    await again.waitFor(
      ({ stdout }) => (jsonLines(stdout).some((l) => l.type === 'notice') ? true : undefined),
      'the notice of the first signal',
    )
    const forced = await stopWith(again, 'SIGINT')
    assert.equal(forced.code, 130, forced.stdout + forced.stderr)
    assert.ok(forced.ms < PROMPT_EXIT_MS, `ended ${Math.round(forced.ms)} ms after the second SIGINT`)
    assert.match(forced.stderr, /stopped during a run; the next run resumes from the last commit/)
    assert.equal(countOf(forced.stdout, 'run-done'), 0, 'the run did not get to finish')
  })
})

describe('sfsync sync on a terminal', () => {
  test('progress bars per object with rows, rows/s and ETA, redrawn in place, then the summary; JSON lines and no escape codes when stderr is no terminal', async (t) => {
    const { org, env } = await connectedOrg(t, { Account: 3000, Contact: 300 })
    // Every Bulk results page takes 250 ms, so that the load lasts several redraws (at most one per
    // 100 ms) with rows still to come: rows/s and an ETA are then on screen on any machine.
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
    const args = (dbPath: string) => [
      'sync',
      '--name',
      'emu',
      '--objects',
      OBJECTS.join(','),
      '--dest',
      `sqlite:${dbPath}`,
      '--bulk-threshold',
      '1000',
      '--bulk-page-records',
      '500',
      '--commit-rows',
      '250',
    ]

    const onTerminal = await spawnCli(args(isolatedSqlitePath(t)), { env, terminal: true }).done
    const screen = onTerminal.stdout
    assert.equal(onTerminal.code, 0, screen + onTerminal.stderr)
    assert.match(
      screen,
      /Account\s+loading\s+\[[#.]{20}\] [\d,]+\/3,000 rows\s+[\d,]+ rows\/s ETA \d+:\d\d\s+bulk/,
      'a bar line of Account while it loads',
    )
    assert.match(screen, /Contact\s+(waiting|loading\s+\[[#.]{20}\] [\d,]+\/300 rows\s+[\d,]+ rows\/s)/)
    assert.match(screen, /Account\s+done\s+3,000 rows, 0 deleted, \d+ calls/)
    assert.match(screen, /Contact\s+done\s+300 rows, 0 deleted, \d+ calls/)
    assert.match(screen, /overall: 2\/2 objects, 3,300 rows/)
    // Redrawn in place: the cursor goes back up over the block (ESC [ n A), each line is cleared first.
    const ups = screen.match(new RegExp(`${ESC}\\[\\d+A`, 'g')) ?? []
    assert.ok(ups.length >= 3, `the block was redrawn ${ups.length} times`)
    assert.ok(screen.includes(`\r${ESC}[2K`), 'lines are cleared before they are drawn again')
    const lines = screen.trimEnd().split(/\r?\n/)
    const header = lines.findIndex((l) =>
      /^object\s+status\s+rows written\s+deleted\s+API calls\s+duration\s+how$/.test(l),
    )
    assert.ok(header >= 0, `a summary table: ${screen}`)
    assert.match(lines[header + 1] ?? '', /^Account\s+synced\s+3,000\s+0\s+\d+\s+\d+:\d\d\s+load via bulk$/)
    assert.match(lines[header + 2] ?? '', /^Contact\s+synced\s+300\s+0\s+\d+\s+\d+:\d\d\s+load via rest$/)
    assert.match(lines.at(-1) ?? '', /^run [0-9a-f-]{36}: \d+ API calls$/, 'the summary ends the output')
    assert.equal(lines.length, header + 4, 'nothing after the summary')
    assert.ok(!/^\{"at"/m.test(screen), 'no JSON lines on a terminal')

    const piped = await runCli(args(isolatedSqlitePath(t)), { env })
    assert.equal(piped.code, 0, piped.stdout + piped.stderr)
    assert.ok(!piped.stdout.includes(ESC) && !piped.stderr.includes(ESC), 'no escape codes')
    const events = jsonLines(piped.stdout)
    assert.equal(piped.stdout.trimEnd().split('\n').length, events.length, 'every stdout line is JSON')
    assert.equal(events[0]?.type, 'run-start')
    assert.ok(events.some((e) => e.type === 'rows'))
    assert.deepEqual(
      events.at(-1)?.result?.objects.map((o) => [o.object, o.status, o.rowsWritten]),
      [
        ['Account', 'synced', 3000],
        ['Contact', 'synced', 300],
      ],
    )
  })
})

describe('sfsync sync --watch on a terminal', () => {
  test('Ctrl-C during a run: the bars say the watch stops after it, the run ends with its summary, then the watch summary; exit 0', async (t) => {
    const { org, env } = await connectedOrg(t, { Account: 30, Contact: 20 })
    // Every REST query takes 600 ms: the run lasts a few seconds, so Ctrl-C lands inside it.
    await org.control('POST', '/faults', {
      rules: [
        { method: 'GET', path: '/services/data/*/query*', fault: { kind: 'latency', ms: 600 }, rate: 1 },
      ],
    })
    const dbPath = isolatedSqlitePath(t)
    const cli = spawnCli(
      [
        'sync',
        '--name',
        'emu',
        '--objects',
        OBJECTS.join(','),
        '--dest',
        `sqlite:${dbPath}`,
        '--watch',
        '--interval',
        '600',
      ],
      { env, terminal: true },
    )
    t.after(() => cli.kill('SIGKILL'))
    await cli.waitFor(
      ({ stdout }) => (/Account\s+loading/.test(stdout) ? true : undefined),
      'the Account bar',
      45_000,
    )
    cli.type('\x03')
    const ended = await endOf(cli, 'Ctrl-C')
    const screen = ended.stdout
    assert.equal(ended.code, 0, screen)
    const notice = screen.indexOf('SIGINT: the watch stops after this run (again to stop at once).')
    assert.ok(notice >= 0, `the bars carry the notice: ${screen}`)
    assert.ok(notice < screen.search(/overall: 2\/2 objects/), 'the notice came while the run went on')
    const lines = screen.trimEnd().split(/\r?\n/)
    assert.match(lines.at(-2) ?? '', /^run [0-9a-f-]{36}: \d+ API calls$/, 'the run summary')
    assert.match(
      lines.at(-1) ?? '',
      /^watch stopped by SIGINT after 1 run: 50 rows written, 0 deleted, \d+ API calls$/,
      'then the watch summary',
    )
    const runs = storedRuns(dbPath)
    assert.deepEqual(
      runs.map((r) => [r.object, r.status, r.finished_at !== null]),
      [
        ['Account', 'synced', true],
        ['Contact', 'synced', true],
      ],
    )
  })
})
