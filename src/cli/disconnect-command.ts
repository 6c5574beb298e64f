/** `sfsync disconnect --name NAME`: revokes the connection's tokens at the org, then erases it and its secret. */
import type { Command } from 'commander'
import { configFlags, runCommand, withCommonOptions, type CommonOptions } from './run-command.ts'

interface DisconnectOptions extends CommonOptions {
  readonly name: string
  readonly localOnly?: boolean
}

export function addDisconnectCommand(program: Command): void {
  withCommonOptions(
    program
      .command('disconnect')
      .description("revoke a connection's tokens at the org and erase it with its secret")
      .requiredOption('--name <name>', 'the connection')
      .option('--local-only', 'erase it here without revoking at the org (e.g. the org is gone)'),
  ).action(async (opts: DisconnectOptions) => {
    await runCommand(
      opts,
      configFlags(opts),
      async () => undefined,
      async (rt, out) => {
        const result = await rt.connections.disconnect(opts.name, { localOnly: opts.localOnly === true })
        out.result({ disconnected: result.name, revoked: result.revoked }, [
          `Disconnected "${result.name}"; its secret and tokens are erased.`,
          opts.localOnly
            ? '  (not revoked at the org: --local-only)'
            : `  revoked at the org: ${result.revoked.length ? result.revoked.join(', ') : 'nothing was still valid'}`,
        ])
      },
    )
  })
}
