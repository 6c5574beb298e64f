/**
 * Test support for the live activity and the journal: an emulator started with any options, its
 * control API, a jsforce connection, and a replay of the journal into the state it describes.
 * @example const t = await startActivityTestOrg({ seed: 's', records: { Account: 10 } }); await t.close()
 */
import { Connection } from 'jsforce'
import { startEmulator, type RunningEmulator } from '../emulator.ts'
import type { JournalEntry } from './change-journal.ts'

export interface ActivityTestOrg {
  readonly emu: RunningEmulator
  readonly conn: Connection
  /** A control API call; throws unless the status is 2xx. */
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<T>
  /** A control API call answering any status. */
  controlRaw(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>
  /** Every journal entry after `after`, following the cursor page by page. */
  journal(after?: number): Promise<JournalEntry[]>
  close(): Promise<void>
}

/** What the org holds according to the journal: record images by id (in the recycle bin or not). */
export interface ReplayedRecord {
  readonly sobject: string
  readonly isDeleted: boolean
  readonly record: Record<string, unknown>
}

/** Replays journal entries (in seq order) into the state they describe; purged records are absent. */
export function replayJournal(entries: readonly JournalEntry[]): Map<string, ReplayedRecord> {
  const state = new Map<string, ReplayedRecord>()
  let last = 0
  for (const e of entries) {
    if (e.seq <= last) throw new Error(`journal out of order at seq ${e.seq}`)
    last = e.seq
    if (e.op === 'purge' || e.record === null) state.delete(e.id)
    else state.set(e.id, { sobject: e.sobject, isDeleted: e.isDeleted, record: e.record })
  }
  return state
}

export async function startActivityTestOrg(
  options: Parameters<typeof startEmulator>[0] = {},
): Promise<ActivityTestOrg> {
  const emu = await startEmulator(options)
  const { info } = emu
  async function controlRaw(method: string, path: string, body?: unknown) {
    const res = await fetch(`${info.controlUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${info.controlToken}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    })
    const text = await res.text()
    return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) }
  }
  try {
    const conn = new Connection({
      oauth2: { loginUrl: info.instanceUrl, clientId: info.consumerKey, clientSecret: info.consumerSecret },
      version: '60.0',
    })
    await conn.authorize({ grant_type: 'client_credentials' })
    return {
      emu,
      conn,
      controlRaw,
      async control<T>(method: string, path: string, body?: unknown): Promise<T> {
        const answer = await controlRaw(method, path, body)
        if (answer.status < 200 || answer.status > 299)
          throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`)
        return answer.body as T
      },
      async journal(after = 0) {
        const out: JournalEntry[] = []
        let cursor = after
        for (;;) {
          const page = await controlRaw('GET', `/journal?after=${cursor}&limit=5000`)
          const body = page.body as { entries: JournalEntry[]; nextAfter: number; done: boolean }
          out.push(...body.entries)
          cursor = body.nextAfter
          if (body.done || body.entries.length === 0) return out
        }
      },
      close: () => emu.close(),
    }
  } catch (err) {
    await emu.close()
    throw err
  }
}
