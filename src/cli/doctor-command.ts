/**
 * `sfsync doctor --name NAME`: one line per check of the org and its Connected App, with pass/fail and
 * the fix in the admin's words. While Salesforce may still be applying a change to the app, a visible
 * countdown runs instead of a failure.
 */
import type { Command } from 'commander'
import { requireConnection, TokenManager } from '../salesforce/token-manager.ts'
import { runDoctor } from '../salesforce/doctor/doctor.ts'
import type { DoctorCheck } from '../salesforce/doctor/doctor-checks.ts'
import { EXIT } from './cli-output.ts'
import {
  configFlags,
  parseSeconds,
  runCommand,
  withCommonOptions,
  type CommonOptions,
} from './run-command.ts'

interface DoctorOptions extends CommonOptions {
  readonly name: string
  readonly wait?: number
  readonly callbackUrl?: string
}

const MARK: Record<DoctorCheck['status'], string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'SKIP' }

function formatWait(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`
}

export function addDoctorCommand(program: Command): void {
  withCommonOptions(
    program
      .command('doctor')
      .description('check the org and its Connected App setting by setting, with the fix for each problem')
      .requiredOption('--name <name>', 'the connection')
      .option(
        '--wait <seconds>',
        'how long to wait for a Connected App change to apply (default 600)',
        parseSeconds,
      )
      .option('--callback-url <url>', 'the web flow callback URL to check'),
  ).action(async (opts: DoctorOptions) => {
    await runCommand(
      opts,
      configFlags(opts, { propagationWaitSeconds: opts.wait, callbackUrl: opts.callbackUrl }),
      async () => undefined,
      async (rt, out) => {
        const conn = await requireConnection(rt.store, opts.name)
        const tokens = new TokenManager({
          name: conn.name,
          store: rt.store,
          box: rt.box,
          oauth: rt.oauth,
          secrets: rt.secrets,
          log: rt.log,
        })
        let waiting = false
        const checks = await runDoctor({
          connection: conn,
          credentials: tokens.credentials(conn),
          oauth: rt.oauth,
          http: rt.http,
          client: rt.client(conn.name),
          callbackUrl: opts.callbackUrl ?? (conn.callbackUrl || rt.config.callbackUrl),
          propagationWaitMs: rt.config.propagationWaitSeconds * 1000,
          onWait: (left, reason) => {
            if (!waiting) out.progress(`${reason}; retrying until it does.`)
            waiting = true
            out.status(
              `  waiting for Salesforce to apply the app's changes: ${formatWait(left)} left (Ctrl-C to stop)`,
            )
          },
        })
        if (waiting) out.progress('')
        const failed = checks.filter((c) => c.status === 'fail').length
        const lines = checks.flatMap((c) => {
          const line = [`${MARK[c.status]}  ${c.title}: ${c.detail}`]
          if (c.fix) line.push(`      fix: ${c.fix}`)
          return line
        })
        lines.push(failed ? `${failed} check(s) failed.` : 'No check failed.')
        out.result({ connection: conn.name, checks, failed }, lines)
        return failed ? EXIT.checksFailed : EXIT.ok
      },
    )
  })
}
