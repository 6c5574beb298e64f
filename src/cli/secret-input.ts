/**
 * Reading the consumer secret without it ever being a command-line argument (shell history, `ps`):
 * from `SFSYNC_CLIENT_SECRET`, from standard input with `--client-secret-stdin`, or from a prompt that
 * does not echo.
 */
import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'
import { InputError } from '../config/sfsync-error.ts'

/** Reads all of standard input and drops one trailing newline. */
export async function readStdinSecret(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
}

/** Asks on the terminal without echoing what is typed. */
export async function promptSecret(question: string): Promise<string> {
  let muted = false
  const output = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (!muted) process.stderr.write(chunk)
      done()
    },
  })
  const rl = createInterface({ input: process.stdin, output, terminal: true })
  try {
    return await new Promise<string>((resolve) => {
      rl.question(question, (answer) => resolve(answer))
      muted = true
    })
  } finally {
    rl.close()
    process.stderr.write('\n')
  }
}

export interface SecretSources {
  readonly fromStdin: boolean
  readonly fromEnv: string | undefined
  readonly interactive: boolean
}

/** The consumer secret from the first source given; a clear error when there is none. */
export async function readClientSecret(sources: SecretSources): Promise<string> {
  let secret: string | undefined
  if (sources.fromStdin) secret = await readStdinSecret()
  else if (sources.fromEnv !== undefined) secret = sources.fromEnv
  else if (sources.interactive) secret = await promptSecret('Consumer secret (input hidden): ')
  else
    throw new InputError('No consumer secret given.', {
      nextStep:
        'Set SFSYNC_CLIENT_SECRET, pipe it in with --client-secret-stdin, or run in a terminal to be prompted. (It is never accepted as a flag value.)',
    })
  if (secret.trim() === '')
    throw new InputError('The consumer secret is empty.', {
      nextStep: 'Copy it from Setup → App Manager → your app → View → Manage Consumer Details.',
    })
  return secret
}
