/**
 * `sfsync status --name NAME [--dest …] [--json]`: per synced object, the local rows, the org's rows
 * (COUNT()), the cursor, the last run and the last error, read from the destination's checkpoints and
 * run history.
 */
import type { Command } from 'commander'
import { requireConnection } from '../salesforce/token-manager.ts'
import { openDestination } from '../store/open-destination.ts'
import { countRecords } from '../salesforce/data/rest-query.ts'
import { parseCheckpoint } from '../sync/object-checkpoint.ts'
import type { RunRecord } from '../store/destination.ts'
import { configFlags, runCommand, withCommonOptions, type CommonOptions } from './run-command.ts'
import { DEFAULT_DEST } from './sync-command.ts'

interface StatusOptions extends CommonOptions {
  readonly name: string
  readonly dest?: string
  readonly schema?: string
}

/** One object's status. */
export interface ObjectStatus {
  readonly object: string
  readonly localRows: number
  readonly orgRows: number | null
  readonly cursor: string | null
  readonly loading: boolean
  readonly lastRun: {
    readonly status: string
    readonly finishedAt: string | null
    readonly rowsWritten: number
    readonly rowsDeleted: number
    readonly apiCalls: number
  } | null
  readonly lastError: { readonly at: string | null; readonly message: string } | null
}

export function addStatusCommand(program: Command): void {
  withCommonOptions(
    program
      .command('status')
      .description('per synced object: local rows, org rows, cursor, last run and last error')
      .requiredOption('--name <name>', 'the connection')
      .option('--dest <url>', `destination (default ${DEFAULT_DEST})`)
      .option('--schema <name>', 'PostgreSQL schema of the tables (default salesforce)'),
  ).action(async (opts: StatusOptions) => {
    await runCommand(
      opts,
      configFlags(opts),
      async () => undefined,
      async (rt, out) => {
        const conn = await requireConnection(rt.store, opts.name)
        const dest = await openDestination(
          opts.dest ?? DEFAULT_DEST,
          opts.schema ? { schema: opts.schema } : {},
        )
        const client = rt.client(conn.name)
        const objects: ObjectStatus[] = []
        try {
          const runs = await dest.runs()
          const byObject = new Map<string, RunRecord[]>()
          for (const r of runs) byObject.set(r.object, [...(byObject.get(r.object) ?? []), r])
          for (const [object, list] of [...byObject.entries()].sort(([a], [b]) => a.localeCompare(b))) {
            const sorted = [...list].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime())
            const last = sorted.at(-1)
            const failed = [...sorted].reverse().find((r) => r.error)
            const cp = parseCheckpoint(await dest.readCheckpoint(object))
            let localRows = 0
            try {
              localRows = await dest.countRows(object)
            } catch {
              localRows = 0
            }
            let orgRows: number | null = null
            try {
              orgRows = await countRecords(client, `SELECT COUNT() FROM ${object}`)
            } catch {
              orgRows = null
            }
            objects.push({
              object,
              localRows,
              orgRows,
              cursor: cp?.cursor ?? null,
              loading: cp?.load !== undefined,
              lastRun: last
                ? {
                    status: last.status,
                    finishedAt: last.finishedAt?.toISOString() ?? null,
                    rowsWritten: last.rowsWritten,
                    rowsDeleted: last.rowsDeleted,
                    apiCalls: last.apiCalls,
                  }
                : null,
              lastError: failed
                ? { at: failed.finishedAt?.toISOString() ?? null, message: failed.error ?? '' }
                : null,
            })
          }
        } finally {
          await dest.close()
        }
        const lines =
          objects.length === 0
            ? [
                `Nothing synced yet into ${opts.dest ?? DEFAULT_DEST}: run \`sfsync sync --name ${conn.name} --objects …\`.`,
              ]
            : objects.flatMap((o) => [
                `${o.object}: ${o.localRows.toLocaleString('en-US')} local rows, ${o.orgRows === null ? '?' : o.orgRows.toLocaleString('en-US')} in the org${o.loading ? ' (initial load not finished)' : ''}`,
                `  cursor:     ${o.cursor ?? '(none yet)'}`,
                `  last run:   ${o.lastRun ? `${o.lastRun.status} at ${o.lastRun.finishedAt ?? '?'}: ${o.lastRun.rowsWritten} rows written, ${o.lastRun.rowsDeleted} deleted, ${o.lastRun.apiCalls} API calls` : '(none)'}`,
                `  last error: ${o.lastError ? `${o.lastError.at ?? ''} ${o.lastError.message}` : '(none)'}`,
              ])
        out.result({ connection: conn.name, objects }, lines)
      },
    )
  })
}
