/**
 * Every Bulk job of one emulated org: ids, the daily limits' rolling windows, the background work queue
 * (at most `maxConcurrentJobs` jobs run at once), retention (finished jobs vanish after 7 days of
 * emulated time) and the folder of results files, removed when the emulator closes.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { makeId } from '../ids.ts'
import type { EmulatorOrg } from '../org.ts'
import { BULK_DEFAULTS, updateBulkSettings, type BulkSettings } from './bulk-settings.ts'
import type { QueryJob } from './query-job.ts'
import type { IngestJob } from './ingest-job.ts'

const DAY_MS = 24 * 3600 * 1000

/** Times of events inside a rolling 24-hour window of emulated time. */
class RollingDay {
  #times: number[] = []
  count(nowMs: number): number {
    const since = nowMs - DAY_MS
    let drop = 0
    while (drop < this.#times.length && (this.#times[drop] ?? 0) <= since) drop++
    if (drop > 0) this.#times = this.#times.slice(drop)
    return this.#times.length
  }
  add(nowMs: number): void {
    this.#times.push(nowMs)
  }
}

const registries = new WeakMap<EmulatorOrg, BulkJobs>()

/** The Bulk registry of `org`, for other parts of the emulator (e.g. `/limits`); undefined before start. */
export function bulkJobsOf(org: EmulatorOrg): BulkJobs | undefined {
  return registries.get(org)
}

export class BulkJobs {
  readonly #org: EmulatorOrg
  readonly #dir: string
  #settings: BulkSettings
  #nextId = 1
  readonly queryJobs = new Map<string, QueryJob>()
  readonly ingestJobs = new Map<string, IngestJob>()
  readonly #queryJobsDay = new RollingDay()
  readonly #batchesDay = new RollingDay()
  readonly #queue: Array<() => Promise<void>> = []
  readonly #running = new Set<Promise<void>>()
  #closed = false

  private constructor(org: EmulatorOrg, dir: string) {
    this.#org = org
    this.#dir = dir
    this.#settings = BULK_DEFAULTS
  }

  /**
   * Creates the registry and its results folder: `<dataDir>/bulk-<random>` when the org has a data
   * folder, else a fresh folder under the OS temp folder.
   */
  static async open(org: EmulatorOrg): Promise<BulkJobs> {
    let dir: string
    if (org.options.dataDir) {
      dir = join(org.options.dataDir, `bulk-${randomBytes(4).toString('hex')}`)
      await mkdir(dir, { recursive: true })
    } else {
      dir = await mkdtemp(join(tmpdir(), 'sfsync-emulator-bulk-'))
    }
    const jobs = new BulkJobs(org, dir)
    registries.set(org, jobs)
    return jobs
  }

  get dir(): string {
    return this.#dir
  }

  get settings(): BulkSettings {
    return this.#settings
  }

  updateSettings(patch: unknown): BulkSettings {
    this.#settings = updateBulkSettings(this.#settings, patch)
    this.#pump()
    return this.#settings
  }

  now(): number {
    return this.#org.clock.now()
  }

  /** A new job id: key prefix 750, as Salesforce's (reference §1.2). */
  newJobId(): string {
    return makeId('750', this.#org.pod, this.#nextId++)
  }

  /** Query jobs created in the last 24 h of emulated time (`DailyBulkV2QueryJobs` used). */
  queryJobsToday(): number {
    return this.#queryJobsDay.count(this.now())
  }

  recordQueryJob(): void {
    this.#queryJobsDay.add(this.now())
  }

  /** Ingest uploads in the last 24 h (`DailyBulkApiBatches` used). */
  batchesToday(): number {
    return this.#batchesDay.count(this.now())
  }

  recordBatch(): void {
    this.#batchesDay.add(this.now())
  }

  /** Queues background work; it starts once fewer than `maxConcurrentJobs` jobs run. */
  schedule(work: () => Promise<void>): void {
    if (this.#closed) return
    this.#queue.push(work)
    this.#pump()
  }

  #pump(): void {
    while (!this.#closed && this.#running.size < this.#settings.maxConcurrentJobs) {
      const work = this.#queue.shift()
      if (!work) return
      const running: Promise<void> = work()
        .catch((err: unknown) => {
          // Runners report failures on their job; anything reaching here is a bug worth seeing.
          process.stderr.write(`bulk job runner crashed: ${err instanceof Error ? err.stack : String(err)}\n`)
        })
        .finally(() => {
          this.#running.delete(running)
          this.#pump()
        })
      this.#running.add(running)
    }
  }

  /**
   * Forgets finished jobs older than the retention period and deletes their files. Called on every
   * Bulk request, so that expiry follows the emulated clock without a timer.
   */
  async expire(): Promise<void> {
    const cutoff = this.now() - this.#settings.retentionMs
    for (const job of [...this.queryJobs.values()]) {
      if (job.finishedMs !== undefined && job.finishedMs <= cutoff) await this.removeQueryJob(job)
    }
    for (const job of [...this.ingestJobs.values()]) {
      if (job.finishedMs !== undefined && job.finishedMs <= cutoff) await this.removeIngestJob(job)
    }
  }

  async removeQueryJob(job: QueryJob): Promise<void> {
    job.cancelled = true
    job.cursor = undefined
    this.queryJobs.delete(job.id)
    await job.results?.remove()
    job.results = undefined
  }

  async removeIngestJob(job: IngestJob): Promise<void> {
    job.cancelled = true
    job.deleted = true
    this.ingestJobs.delete(job.id)
    await job.removeFiles()
  }

  /** Stops background work (waits for running jobs to notice) and deletes the results folder. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#queue.length = 0
    for (const job of this.queryJobs.values()) job.cancelled = true
    for (const job of this.ingestJobs.values()) {
      job.cancelled = true
      job.deleted = true
    }
    await Promise.allSettled([...this.#running])
    await rm(this.#dir, { recursive: true, force: true })
    registries.delete(this.#org)
  }
}
