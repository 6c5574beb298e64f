/**
 * The `sfsync` command line. Each command lives in its own file and adds itself to the program here.
 */
import { Command } from 'commander'
import { addEmulatorCommand } from './emulator-command.ts'
import { addConnectCommand } from './connect-command.ts'
import { addLoginCommand } from './login-command.ts'
import { addConnectionsCommand } from './connections-command.ts'
import { addDisconnectCommand } from './disconnect-command.ts'
import { addDoctorCommand } from './doctor-command.ts'
import { addSyncCommand } from './sync-command.ts'
import { addStatusCommand } from './status-command.ts'

export function buildProgram(): Command {
  const program = new Command()
  program.name('sfsync').description('Keep a database equal to a Salesforce org').showHelpAfterError()
  addEmulatorCommand(program)
  addConnectCommand(program)
  addLoginCommand(program)
  addConnectionsCommand(program)
  addDisconnectCommand(program)
  addDoctorCommand(program)
  addSyncCommand(program)
  addStatusCommand(program)
  return program
}

await buildProgram().parseAsync(process.argv)
