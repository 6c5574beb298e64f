/**
 * `sfsync emulator`: runs the local Salesforce org until SIGINT/SIGTERM. Once it listens it prints
 * exactly one JSON line on stdout (what a client needs); everything else goes to stderr.
 */
import type { Command } from 'commander'
import { InvalidArgumentError } from 'commander'
import { startEmulator } from '../emulator/emulator.ts'

/** Parses `Account=1000,Contact=5000` into `{ Account: 1000, Contact: 5000 }`. */
export function parseRecordCounts(value: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const part of value.split(',')) {
    const item = part.trim()
    if (item === '') continue
    const match = /^([A-Za-z][A-Za-z0-9_]*)=(\d+)$/.exec(item)
    if (!match?.[1] || match[2] === undefined) {
      throw new InvalidArgumentError(`"${item}" is not OBJECT=COUNT (e.g. Account=1000,Contact=5000)`)
    }
    out[match[1]] = Number(match[2])
  }
  return out
}

function parsePort(value: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('a port is 0-65535 (0 picks a free one)')
  return port
}

function parseNonNegative(what: string, integer: boolean) {
  return (value: string): number => {
    const n = Number(value)
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n)))
      throw new InvalidArgumentError(`${what} is a ${integer ? 'whole ' : ''}number >= 0`)
    return n
  }
}

export function addEmulatorCommand(program: Command): void {
  program
    .command('emulator')
    .description('run a local Salesforce org (OAuth, REST, SOQL) for development and tests')
    .option('--port <n>', 'port on 127.0.0.1 (0 picks a free one)', parsePort, 0)
    .option('--seed <s>', 'seed of the generated data, ids and credentials', 'sfsync')
    .option('--records <list>', 'record counts, e.g. Account=1000,Contact=5000', parseRecordCounts, {})
    .option('--https', 'serve HTTPS with a self-signed certificate made at start (its PEM: certPath)', false)
    .option('--schema <dir>', 'emulate the org described by the describe JSON files in <dir>')
    .option('--activity <rate>', 'live org activity: changes per second', parseNonNegative('a rate', false))
    .option(
      '--commit-lag <ms>',
      'ms between a change and its visibility to queries (real orgs: 1000-3000)',
      parseNonNegative('the commit lag', true),
    )
    .option(
      '--daily-api-requests <n>',
      'the DailyApiRequests allocation (default 15000)',
      parseNonNegative('the allocation', true),
    )
    .option('--log-level <level>', 'request log level on stderr (fatal, error, warn, info, debug)', 'warn')
    .action(
      async (opts: {
        port: number
        seed: string
        records: Record<string, number>
        logLevel: string
        https: boolean
        schema?: string
        activity?: number
        commitLag?: number
        dailyApiRequests?: number
      }) => {
        const emulator = await startEmulator({
          port: opts.port,
          seed: opts.seed,
          records: opts.records,
          logLevel: opts.logLevel,
          https: opts.https,
          ...(opts.schema !== undefined ? { schemaDir: opts.schema } : {}),
          ...(opts.activity !== undefined ? { activityRate: opts.activity } : {}),
          ...(opts.commitLag !== undefined ? { commitLagMs: opts.commitLag } : {}),
          ...(opts.dailyApiRequests !== undefined ? { dailyApiRequests: opts.dailyApiRequests } : {}),
        })
        process.stdout.write(`${JSON.stringify(emulator.info)}\n`)
        let stopping = false
        const stop = (signal: string) => {
          if (stopping) return
          stopping = true
          process.stderr.write(`sfsync emulator: ${signal}, stopping\n`)
          emulator.close().then(
            () => process.exit(0),
            (err: unknown) => {
              process.stderr.write(`sfsync emulator: error while stopping: ${String(err)}\n`)
              process.exit(1)
            },
          )
        }
        process.on('SIGINT', () => stop('SIGINT'))
        process.on('SIGTERM', () => stop('SIGTERM'))
      },
    )
}
