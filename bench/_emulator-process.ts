/**
 * Child-process entry of the benchmarks' emulator: `node bench/_emulator-process.ts SEED Account=N,...`
 * starts the emulator, prints its info as one JSON line on stdout (like `sfsync emulator`) and runs
 * until SIGTERM. Only the emulator's module is loaded (not the whole CLI), so a benchmark does not
 * depend on every command of the CLI.
 */
import { startEmulator } from '../src/emulator/emulator.ts'

const [seed = 'bench', list = ''] = process.argv.slice(2)
const records: Record<string, number> = {}
for (const item of list.split(',').filter(Boolean)) {
  const [name, count] = item.split('=')
  if (!name || !/^\d+$/.test(count ?? '')) throw new Error(`"${item}" is not OBJECT=COUNT`)
  records[name] = Number(count)
}
const emulator = await startEmulator({ port: 0, seed, records, logLevel: 'fatal' })
process.stdout.write(`${JSON.stringify(emulator.info)}\n`)
process.once('SIGTERM', () => {
  void emulator.close().then(() => process.exit(0))
})
