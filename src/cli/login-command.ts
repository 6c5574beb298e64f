/**
 * `sfsync login --name NAME --device|--web`: a new session for a stored connection, through the device
 * flow (verification URL and user code) or the web-server flow (browser, PKCE, local callback).
 */
import type { Command } from 'commander'
import { InputError } from '../config/sfsync-error.ts'
import type { FlowHooks } from '../salesforce/connection-service.ts'
import type { CommandOutput } from './cli-output.ts'
import {
  configFlags,
  describeConnection,
  parseSeconds,
  runCommand,
  withCommonOptions,
  type CommonOptions,
} from './run-command.ts'

interface LoginOptions extends CommonOptions {
  readonly name: string
  readonly device?: boolean
  readonly web?: boolean
  readonly callbackUrl?: string
  readonly scope?: string
  readonly timeout?: number
}

/** Progress output of the interactive flows. */
export function flowHooks(out: CommandOutput, timeoutSeconds: number | undefined): FlowHooks {
  return {
    onDevicePrompt: (p) => {
      out.progress(`To log in, open ${p.verificationUri} and enter the code: ${p.userCode}`)
      out.progress(`Waiting for approval (checking every ${p.intervalSeconds} s)…`)
    },
    onAuthorizeUrl: (url) => {
      out.progress('To log in, open this URL in your browser:')
      out.progress(`  ${url}`)
      out.progress('Waiting for the browser to come back…')
    },
    ...(timeoutSeconds !== undefined ? { timeoutMs: timeoutSeconds * 1000 } : {}),
  }
}

export function addLoginCommand(program: Command): void {
  withCommonOptions(
    program
      .command('login')
      .description('log a stored connection in again, with the device flow or the web-server flow')
      .requiredOption('--name <name>', 'the connection')
      .option('--device', 'device flow: shows a URL and a code to enter there')
      .option('--web', 'web-server flow: open a URL in a browser, with a local callback')
      .option('--callback-url <url>', 'web flow: the loopback callback registered on the app')
      .option('--scope <scopes>', 'scopes to request (default: all the app has)')
      .option('--timeout <seconds>', 'how long to wait for the login', parseSeconds),
  ).action(async (opts: LoginOptions) => {
    await runCommand(
      opts,
      configFlags(opts, { callbackUrl: opts.callbackUrl }),
      async () => {
        if (opts.device === opts.web) throw new InputError('Give exactly one of --device or --web.')
        return opts.device ? ('device' as const) : ('web' as const)
      },
      async (rt, out, flow) => {
        const summary = await rt.connections.login({
          name: opts.name,
          flow,
          ...(opts.callbackUrl
            ? { callbackUrl: opts.callbackUrl }
            : flow === 'web'
              ? { callbackUrl: rt.config.callbackUrl }
              : {}),
          ...(opts.scope ? { scope: opts.scope } : {}),
          ...flowHooks(out, opts.timeout),
        })
        out.result({ connection: summary }, [
          `Logged "${summary.name}" in to org ${summary.orgId} as ${summary.username}.`,
          ...describeConnection(summary),
        ])
      },
    )
  })
}
