/**
 * `sfsync connect`: stores a connection to an org through its Connected App and proves that it works.
 * The consumer secret comes from SFSYNC_CLIENT_SECRET, --client-secret-stdin or a hidden prompt, never
 * from a flag value (shell history, process list).
 */
import { Option, type Command } from 'commander'
import { InputError } from '../config/sfsync-error.ts'
import { resolveProcessConfig, stdinIsInteractive } from '../config/config.ts'
import { validateInstanceUrl } from '../salesforce/instance-url.ts'
import { validateName } from '../salesforce/connection-service.ts'
import type { ConnectionFlow } from '../store/state/state-store.ts'
import { readClientSecret } from './secret-input.ts'
import {
  configFlags,
  describeConnection,
  parseSeconds,
  runCommand,
  withCommonOptions,
  type CommonOptions,
} from './run-command.ts'
import { flowHooks } from './login-command.ts'

interface ConnectOptions extends CommonOptions {
  readonly name: string
  readonly instanceUrl: string
  readonly clientId: string
  readonly flow: ConnectionFlow
  readonly clientSecretStdin?: boolean
  readonly clientSecret?: string
  readonly callbackUrl?: string
  readonly scope?: string
  readonly replace?: boolean
  readonly timeout?: number
}

export function addConnectCommand(program: Command): void {
  withCommonOptions(
    program
      .command('connect')
      .description('connect to an org through its Connected App (consumer key, secret and My Domain URL)')
      .requiredOption('--name <name>', 'a name for this connection, e.g. prod')
      .requiredOption('--instance-url <url>', "the org's My Domain URL, e.g. https://acme.my.salesforce.com")
      .requiredOption('--client-id <key>', "the Connected App's consumer key")
      .addOption(
        new Option('--flow <flow>', 'how to obtain tokens')
          .choices(['client_credentials', 'device', 'web'])
          .default('client_credentials'),
      )
      .option('--client-secret-stdin', 'read the consumer secret from standard input')
      .addOption(new Option('--client-secret <secret>').hideHelp())
      .option('--callback-url <url>', 'web flow: the loopback callback registered on the app')
      .option('--scope <scopes>', 'device/web flows: scopes to request (default: all the app has)')
      .option('--replace', 'replace an existing connection of the same name')
      .option('--timeout <seconds>', 'device/web flows: how long to wait for the login', parseSeconds),
  ).action(async (opts: ConnectOptions) => {
    await runCommand(
      opts,
      configFlags(opts, { callbackUrl: opts.callbackUrl }),
      async () => {
        if (opts.clientSecret !== undefined)
          throw new InputError(
            '--client-secret is refused: a secret given as a flag lands in shell history and in the process list.',
            {
              nextStep:
                'Use SFSYNC_CLIENT_SECRET=… or pipe it with --client-secret-stdin (or run in a terminal to be prompted).',
            },
          )
        // Validate everything the person typed before any state is created.
        validateName(opts.name)
        validateInstanceUrl(opts.instanceUrl)
        const config = resolveProcessConfig(configFlags(opts, { callbackUrl: opts.callbackUrl }))
        return readClientSecret({
          fromStdin: opts.clientSecretStdin === true,
          fromEnv: config.secrets.clientSecret,
          interactive: stdinIsInteractive(),
        })
      },
      async (rt, out, clientSecret) => {
        const summary = await rt.connections.connect({
          name: opts.name,
          instanceUrl: opts.instanceUrl,
          clientId: opts.clientId,
          clientSecret,
          flow: opts.flow,
          callbackUrl: rt.config.callbackUrl,
          scope: opts.scope,
          replace: opts.replace === true,
          ...flowHooks(out, opts.timeout),
        })
        out.result({ connection: summary }, [
          `Connected "${summary.name}" to org ${summary.orgId} as ${summary.username}.`,
          ...describeConnection(summary),
        ])
      },
    )
  })
}
