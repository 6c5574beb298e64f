/**
 * `sfsync sync --name NAME [--objects A,B | --all] [--dest sqlite:PATH | postgres://…] [--full]
 * [--hard-deletes] [--watch [--interval S]] [--json]`: makes the destination equal to the org, then
 * (with --watch) keeps it so. Progress bars on a terminal, JSON lines otherwise; a summary per object
 * at the end, also stored in the destination's run history. SIGINT or SIGTERM ends a watch: at once
 * between runs, after the run in flight otherwise (a second signal: at once, exit 130); its last line
 * sums the watch up (`watch-done` in JSON).
 */
import { Option, type Command } from 'commander'
import { InputError } from '../config/sfsync-error.ts'
import { requireConnection } from '../salesforce/token-manager.ts'
import { openDestination } from '../store/open-destination.ts'
import { runSync } from '../sync/sync-engine.ts'
import type { DescribeCache } from '../salesforce/data/describe-client.ts'
import type { SyncSettings } from '../sync/sync-options.ts'
import type { SyncEvent, SyncRunResult } from '../sync/sync-events.ts'
import { EXIT, exitCodeOf } from './cli-output.ts'
import {
  configFlags,
  parseSeconds,
  runCommand,
  withCommonOptions,
  type CommonOptions,
} from './run-command.ts'
import { JsonLinesProgress, TtyProgress, summaryLines, watchSummary } from './sync-progress.ts'

/** Where rows go when `--dest` is not given: a SQLite file in the working folder. */
export const DEFAULT_DEST = 'sqlite:./sfsync.sqlite'

interface SyncOptions extends CommonOptions {
  readonly name: string
  readonly objects?: string
  readonly all?: boolean
  readonly dest?: string
  readonly schema?: string
  readonly full?: boolean
  readonly hardDeletes?: boolean
  readonly watch?: boolean
  readonly interval?: number
  readonly formulaRefresh?: number
  readonly bulkThreshold?: number
  readonly bulkPageRecords?: number
  readonly commitRows?: number
  readonly visibilityLag?: number
  readonly lookback?: number
  readonly reconcileEvery?: number
  readonly runShare?: number
  readonly orgShare?: number
  readonly budgetPoll?: number
  readonly bulkTimeout?: number
}

function parseCount(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new Error(`"${value}" is not a whole number >= 0`)
  return n
}

function parseShare(value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0 || n > 1)
    throw new Error(`"${value}" is not a share between 0 and 1 (e.g. 0.5)`)
  return n
}

/** The engine settings from the flags (seconds → ms). */
export function settingsOf(opts: SyncOptions): Partial<SyncSettings> {
  const s: { -readonly [K in keyof SyncSettings]?: SyncSettings[K] } = {}
  if (opts.full) s.full = true
  if (opts.hardDeletes) s.hardDeletes = true
  if (opts.formulaRefresh !== undefined) s.formulaRefreshEveryMs = opts.formulaRefresh * 1000
  if (opts.bulkThreshold !== undefined) s.bulkThreshold = opts.bulkThreshold
  if (opts.bulkPageRecords !== undefined) s.bulkPageRecords = opts.bulkPageRecords
  if (opts.commitRows !== undefined) s.commitRows = Math.max(1, opts.commitRows)
  if (opts.visibilityLag !== undefined) s.visibilityLagMs = opts.visibilityLag * 1000
  if (opts.lookback !== undefined) s.lookbackMs = opts.lookback * 1000
  if (opts.reconcileEvery !== undefined) s.reconcileEveryMs = opts.reconcileEvery * 1000
  if (opts.bulkTimeout !== undefined) s.bulkPoll = { timeoutMs: opts.bulkTimeout * 1000 }
  return s
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done)
  })
}

export function addSyncCommand(program: Command): void {
  withCommonOptions(
    program
      .command('sync')
      .description('make a database equal to the org, then keep it so (--watch)')
      .requiredOption('--name <name>', 'the connection')
      .option('--objects <list>', 'objects to sync, comma-separated API names (Account,Contact)')
      .option('--all', 'sync every replicable object of the org')
      .option('--dest <url>', `destination: sqlite:PATH or postgres://… (default ${DEFAULT_DEST})`)
      .option('--schema <name>', 'PostgreSQL schema of the tables (default salesforce)')
      .option('--full', 'read every selected object again from the start')
      .option('--hard-deletes', 'remove deleted rows instead of marking them isdeleted = true')
      .option(
        '--watch',
        'keep syncing, every --interval seconds, until interrupted (Ctrl-C or SIGTERM: after the run in flight; twice: at once)',
      )
      .option('--interval <seconds>', 'pause between runs with --watch (default 300)', parseSeconds)
      .option(
        '--bulk-timeout <seconds>',
        'give up waiting for a Bulk query job after this long; the job is resumed next run (default 21600)',
        parseSeconds,
      )
      .option('--formula-refresh <seconds>', 're-read formula columns at most this often', parseSeconds)
      .addOption(
        new Option('--bulk-threshold <rows>', 'objects with at least this many rows load through Bulk API')
          .argParser(parseCount)
          .hideHelp(),
      )
      .addOption(
        new Option('--bulk-page-records <rows>', 'maxRecords of Bulk result pages')
          .argParser(parseCount)
          .hideHelp(),
      )
      .addOption(new Option('--commit-rows <rows>', 'rows per transaction').argParser(parseCount).hideHelp())
      .addOption(
        new Option('--visibility-lag <seconds>', 'the cursor stays this far behind the org clock')
          .argParser(parseSeconds)
          .hideHelp(),
      )
      .addOption(
        new Option('--lookback <seconds>', 'changes are re-read this far before the cursor')
          .argParser(parseSeconds)
          .hideHelp(),
      )
      .addOption(
        new Option('--reconcile-every <seconds>', 'Id reconciliation at most this often')
          .argParser(parseSeconds)
          .hideHelp(),
      )
      .addOption(
        new Option(
          '--run-share <share>',
          'share of the remaining daily API calls one run may use (default 0.5)',
        ).argParser(parseShare),
      )
      .addOption(
        new Option(
          '--org-share <share>',
          'share of the daily API allocation never exceeded (default 0.9)',
        ).argParser(parseShare),
      )
      .addOption(
        new Option('--budget-poll <seconds>', 'while paused at an API cap, check /limits this often')
          .argParser(parseSeconds)
          .hideHelp(),
      ),
  ).action(async (opts: SyncOptions) => {
    await runCommand(
      opts,
      configFlags(opts),
      async () => {
        const objects = opts.objects
          ?.split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0)
        if (opts.all && objects && objects.length > 0)
          throw new InputError('Give either --objects or --all, not both.')
        if (!opts.all && (!objects || objects.length === 0))
          throw new InputError('Name the objects to sync (--objects Account,Contact) or pass --all.')
        return { ...(objects ? { objects } : {}), all: opts.all === true }
      },
      async (rt, out, selection) => {
        const conn = await requireConnection(rt.store, opts.name)
        const dest = await openDestination(
          opts.dest ?? DEFAULT_DEST,
          opts.schema ? { schema: opts.schema } : {},
        )
        const tty = !out.json && process.stderr.isTTY === true
        const stop = new AbortController()
        let view: TtyProgress | JsonLinesProgress | undefined
        let running = false
        let stoppedBy: NodeJS.Signals | undefined
        // A first signal ends the watch: at once in the pause between runs, after the run in flight
        // otherwise (an incremental run takes seconds), so that every run ends with its summary stored.
        // A second one stops at once: safe too, as rows and checkpoints commit together.
        const onSignal = (signal: NodeJS.Signals) => {
          if (stoppedBy !== undefined && running) {
            process.stderr.write(
              '\nsfsync: stopped during a run; the next run resumes from the last commit.\n',
            )
            process.exit(130)
          }
          stoppedBy ??= signal
          stop.abort()
          if (running)
            view?.handle({
              type: 'notice',
              message: `${signal}: the watch stops after this run (again to stop at once).`,
            })
        }
        if (opts.watch) {
          process.on('SIGINT', onSignal)
          process.on('SIGTERM', onSignal)
        }
        let last: SyncRunResult | undefined
        const totals = { runs: 0, rowsWritten: 0, rowsDeleted: 0, apiCalls: 0 }
        const describeCache: DescribeCache = new Map()
        try {
          for (;;) {
            view = tty
              ? new TtyProgress((s) => process.stderr.write(s))
              : new JsonLinesProgress((s) => process.stdout.write(rt.secrets.scrub(s)))
            const current = view
            running = true
            last = await runSync({
              client: rt.client(conn.name),
              dest,
              selection,
              settings: settingsOf(opts),
              budget: {
                ...(opts.runShare !== undefined ? { runShare: opts.runShare } : {}),
                ...(opts.orgShare !== undefined ? { orgShare: opts.orgShare } : {}),
                ...(opts.budgetPoll !== undefined ? { pollMs: opts.budgetPoll * 1000 } : {}),
              },
              describeCache,
              onEvent: (e: SyncEvent) => current.handle(e),
            })
            running = false
            totals.runs++
            totals.apiCalls += last.apiCalls
            for (const o of last.objects) {
              totals.rowsWritten += o.rowsWritten
              totals.rowsDeleted += o.rowsDeleted
            }
            if (tty) process.stdout.write(`${summaryLines(last).join('\n')}\n`)
            if (!opts.watch || stop.signal.aborted) break
            await sleep((opts.interval ?? 300) * 1000, stop.signal)
            if (stop.signal.aborted) break
          }
        } finally {
          process.off('SIGINT', onSignal)
          process.off('SIGTERM', onSignal)
          await dest.close()
        }
        if (stoppedBy !== undefined) {
          const end = { type: 'watch-done', signal: stoppedBy, ...totals }
          process.stdout.write(
            tty ? `${watchSummary(end)}\n` : `${JSON.stringify({ at: new Date().toISOString(), ...end })}\n`,
          )
        }
        if (last.error) return exitCodeOf(last.error)
        return last.objects.some((o) => o.status === 'failed') ? EXIT.api : EXIT.ok
      },
    )
  })
}
