/**
 * sfsync's contestant of `bench/sync-load.ts`: the sync engine's initial load (`runSync`), in-process
 * in the worker, with the client side built the way src/cli/cli-runtime.ts builds it. Only the run is
 * timed: the connection (client-credentials token) is made before the clock starts.
 */
import { openDestination } from '../src/store/open-destination.ts'
import { runSync } from '../src/sync/sync-engine.ts'
import { API_VERSION, type LoadTask, type LoadTiming } from './_load-contestants.ts'
import { connectBenchClient } from './_sfsync-client.ts'

/** Loads the task's object with sfsync's engine into a fresh destination; the rows are counted back. */
export async function sfsyncLoad(task: LoadTask): Promise<LoadTiming> {
  // The client side as src/cli/cli-runtime.ts builds it, on a state store of the worker's own; the
  // connection is made before the clock starts.
  const { client, close } = await connectBenchClient({
    stateUrl: `sqlite:${task.scratch}/state.sqlite`,
    instanceUrl: task.instanceUrl,
    consumerKey: task.consumerKey,
    consumerSecret: task.consumerSecret,
    apiVersion: API_VERSION,
  })
  const dest =
    task.target.kind === 'sqlite'
      ? await openDestination(`sqlite:${task.target.path}`)
      : await openDestination(task.target.url, { schema: task.target.schema })
  const t0 = performance.now()
  let firstRowMs = 0
  const result = await runSync({
    client,
    dest,
    selection: { objects: [task.object] },
    onEvent: (e) => {
      if (e.type === 'rows' && firstRowMs === 0 && e.rows > 0) firstRowMs = performance.now() - t0
    },
  })
  const ms = performance.now() - t0
  const o = result.objects[0]
  if (result.error || !o || o.status !== 'synced' || o.phase !== 'load')
    throw new Error(
      `sfsync run did not load ${task.object}: ${result.error?.message ?? o?.error?.message ?? JSON.stringify(o)}`,
    )
  const rows = await dest.countRows(task.object, { includeDeleted: true })
  await dest.close()
  await close()
  return {
    ms,
    firstRowMs,
    rows,
    note: `strategy ${o.strategy}, ${o.apiCalls} API calls, rowsWritten ${o.rowsWritten}`,
  }
}
