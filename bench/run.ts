/**
 * `npm run bench [-- name ... [--option ...]]`: runs each benchmark as its own process (so one cannot
 * warm or starve another), one after the other, and passes their output through, with the options
 * (everything from the first `-`) given to each. Without names it runs them all.
 * Each benchmark prints its own table: rows/s, MB/s, peak RSS, and ratios against a baseline measured
 * in the same process, as medians of several runs (the machine is shared and noisy).
 */
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort()

// Names first, then options passed through to every selected benchmark: `sync-load --rows 3000000`.
const args = process.argv.slice(2)
const firstOption = args.findIndex((a) => a.startsWith('-'))
const wanted = firstOption < 0 ? args : args.slice(0, firstOption)
const options = firstOption < 0 ? [] : args.slice(firstOption)
const unknown = wanted.filter((w) => !available.includes(w))
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; available: ${available.join(', ')}\n`)
  process.exit(2)
}
const selected = wanted.length > 0 ? wanted : available
let failed = 0
for (const name of selected) {
  process.stdout.write(`\n## ${name}\n`)
  const result = spawnSync(process.execPath, ['--expose-gc', join(here, `${name}.ts`), ...options], {
    stdio: 'inherit',
  })
  if (result.status !== 0) {
    failed++
    process.stdout.write(`(${name} exited with ${result.status ?? result.signal})\n`)
  }
}
process.exit(failed > 0 ? 1 : 0)
