/** `sfsync connections`: lists the stored connections (no secret, no token). */
import type { Command } from 'commander'
import { configFlags, runCommand, withCommonOptions, type CommonOptions } from './run-command.ts'

export function addConnectionsCommand(program: Command): void {
  withCommonOptions(program.command('connections').description('list the stored connections')).action(
    async (opts: CommonOptions) => {
      await runCommand(
        opts,
        configFlags(opts),
        async () => undefined,
        async (rt, out) => {
          const list = await rt.connections.list()
          const lines = list.length
            ? list.map((c) => `${c.name}\t${c.orgId}\t${c.username}\t${c.flow}\t${c.instanceUrl}`)
            : ['No connections yet: create one with `sfsync connect`.']
          out.result({ connections: list }, lines)
        },
      )
    },
  )
}
