/**
 * What every connection command shares: the common options (`--json`, `--home`, `--log-level`), the
 * runtime's life cycle, and turning a result or an error into output and an exit code.
 */
import { Option, type Command } from 'commander'
import { openRuntime, type Runtime } from './cli-runtime.ts'
import { CommandOutput } from './cli-output.ts'
import type { ConfigFlags } from '../config/config.ts'
import type { ConnectionSummary } from '../salesforce/connection-service.ts'

export interface CommonOptions {
  readonly json?: boolean
  readonly home?: string
  readonly logLevel?: string
}

/** Adds `--json`, `--home` and `--log-level` to a command. */
export function withCommonOptions(command: Command): Command {
  return command
    .option('--json', 'print one JSON object instead of text')
    .option('--home <dir>', 'state folder (default $SFSYNC_HOME or ~/.sfsync)')
    .addOption(
      new Option('--log-level <level>', 'log level on stderr').choices([
        'fatal',
        'error',
        'warn',
        'info',
        'debug',
        'trace',
        'silent',
      ]),
    )
}

export function configFlags(opts: CommonOptions, extra: ConfigFlags = {}): ConfigFlags {
  return { home: opts.home, logLevel: opts.logLevel, ...extra }
}

/**
 * Runs `body` with a runtime; prints its result, or the error, and sets the exit code.
 * `before` runs first, without a runtime (input validation that must not create any state).
 */
export async function runCommand<P>(
  opts: CommonOptions,
  flags: ConfigFlags,
  before: (out: CommandOutput) => Promise<P>,
  body: (rt: Runtime, out: CommandOutput, prepared: P) => Promise<number | void>,
): Promise<void> {
  let out = new CommandOutput(opts.json === true)
  let rt: Runtime | undefined
  try {
    const prepared = await before(out)
    rt = await openRuntime(flags)
    out = new CommandOutput(opts.json === true, rt.secrets)
    const code = await body(rt, out, prepared)
    process.exitCode = code ?? 0
  } catch (err) {
    rt?.log.debug({ err }, 'command failed')
    process.exitCode = out.error(err)
  } finally {
    await rt?.close()
  }
}

/** Human lines describing a connection. */
export function describeConnection(c: ConnectionSummary): string[] {
  return [
    `  org:           ${c.orgId}`,
    `  user:          ${c.username} (${c.userId})`,
    `  instance:      ${c.apiUrl}`,
    `  My Domain:     ${c.instanceUrl}`,
    `  flow:          ${c.flow}`,
    `  scopes:        ${c.scopes || '(none reported)'}`,
    `  refresh token: ${c.hasRefreshToken ? 'stored (encrypted)' : c.flow === 'client_credentials' ? 'not needed (client credentials re-authenticates)' : 'none: the app\'s scopes lack refresh_token ("full" alone gives none)'}`,
  ]
}

/** Parses a positive number of seconds. */
export function parseSeconds(value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0) throw new Error(`"${value}" is not a number of seconds`)
  return n
}
