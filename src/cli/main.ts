/**
 * The `sfsync` command line. Each command lives in its own file and adds itself to the program here.
 */
import { Command } from 'commander'
import { addEmulatorCommand } from './emulator-command.ts'

export function buildProgram(): Command {
  const program = new Command()
  program.name('sfsync').description('Keep a database equal to a Salesforce org').showHelpAfterError()
  addEmulatorCommand(program)
  return program
}

await buildProgram().parseAsync(process.argv)
