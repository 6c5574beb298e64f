/**
 * Runs a query job in the background: encodes the cursor's rows as CSV into the job's results file, a
 * slice of rows at a time, yielding to the event loop between slices so that the emulator keeps
 * answering while a million rows are written.
 */
import { join } from 'node:path'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { CsvRowEncoder } from './bulk-csv.ts'
import { ResultsFileWriter } from './results-file.ts'
import type { QueryJob } from './query-job.ts'
import type { BulkJobFault } from '../faults/fault-injector.ts'
import { applyJobFault } from './job-fault.ts'

export interface RunQueryJobOptions {
  /** Folder of the results files. */
  readonly dir: string
  readonly rowsPerSlice: number
  /** Emulated time, for systemModstamp. */
  readonly now: () => number
  /** A fault injected into this job (control API), applied once it is InProgress. */
  readonly fault?: BulkJobFault | undefined
}

/** Writes the results of `job` and moves it to JobComplete (or Failed); stops early when cancelled. */
export async function runQueryJob(job: QueryJob, options: RunQueryJobOptions): Promise<void> {
  const cursor = job.cursor
  if (job.cancelled || !cursor) return
  job.transition('InProgress', options.now())
  const started = performance.now()
  const faultMessage = await applyJobFault(job, options.fault, options.now)
  if (job.cancelled) return
  if (faultMessage !== undefined) {
    job.cursor = undefined
    job.errorMessage = faultMessage
    job.totalProcessingTime = Math.round(performance.now() - started)
    job.transition('Failed', options.now())
    return
  }
  const encoder = new CsvRowEncoder(job.kinds, job.columnDelimiter, job.lineEnding)
  const writer = await ResultsFileWriter.create(join(options.dir, job.id), encoder.header(cursor.columns))
  try {
    let offset = 0
    for (;;) {
      if (job.cancelled) {
        await writer.discard()
        return
      }
      for (const row of cursor.rows(offset, options.rowsPerSlice)) writer.addRow(row, encoder)
      // Offsets are positions in the cursor's snapshot, not rows read: a record purged since the query
      // ran leaves a gap in its slice, which must not be taken for the end of the results.
      offset += options.rowsPerSlice
      if (writer.shouldFlush) await writer.flush()
      if (offset >= cursor.totalSize) break
      await yieldToLoop()
    }
    const results = await writer.finish()
    if (job.cancelled) {
      await results.remove()
      return
    }
    job.results = results
    job.numberRecordsProcessed = results.rowCount
    job.totalProcessingTime = Math.round(performance.now() - started)
    job.cursor = undefined
    job.transition('JobComplete', options.now())
  } catch (err) {
    await writer.discard()
    job.cursor = undefined
    job.totalProcessingTime = Math.round(performance.now() - started)
    // UNCONFIRMED wording: Salesforce often reports no message for a failed query job (jsforce notes).
    job.errorMessage = err instanceof Error ? err.message : String(err)
    job.transition('Failed', options.now())
  }
}
