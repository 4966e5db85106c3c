/**
 * The Lambda bundles the synth builds (esbuild, ESM, @aws-sdk left to the runtime) work
 * on their own: each asset folder is copied where nothing of the repository can be
 * resolved, given only what the Lambda runtime provides (@aws-sdk/*), and run in a
 * child Node process with the environment the template sets, against the local stack.
 * The consumer turns a day of generated Batch events (KPL-aggregated, as a Kinesis event)
 * into tables; the report function then reports on that day through the local Athena
 * endpoint, and its job count is the generator's ground truth.
 */
import { spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { envVarOf } from '../core/config.js'
import { createDynamoDbClient, createS3Client } from '../core/awsClients.js'
import { TABLE_NAMES } from '../core/tables.js'
import { stateTableDefinition } from '../consumers/lambda/stateTable.js'
import { startLocalStack, type LocalStack } from '../local/localStack.js'
import { generateWorkload, type Workload } from '../producers/generator/generateWorkload.js'
import { listReports } from '../queries/loadReport.js'
import { createApp } from '../infra/app.js'
import { CONSUMER_RUNTIME_REQUIRES } from '../infra/constructs/kinesisConsumer.js'
import { PROJECT_ROOT, RUNTIME_PROVIDED_MODULES } from '../infra/nodeFunction.js'
import { kinesisEvent, onShard } from './helpers/lambdaEvents.js'

type Fn = { Type: string; Properties: { Description?: string; Handler: string; Code: { S3Key: string }; Environment: { Variables: Record<string, unknown> } } }
type Meta = { inputs: Record<string, unknown>; outputs: Record<string, { entryPoint?: string; imports: { path: string; external?: boolean }[] }> }

const DAY_MS = 86_400_000
const TABLE = 'bm-state-bundle-test'
let outdir: string
let functions: Fn[]
let stack: LocalStack
let s3: S3Client
let dynamo: DynamoDBClient
let workload: Workload
let day: string

const fn = (what: string): Fn => {
  const found = functions.filter((f) => String(f.Properties.Description).includes(what))
  expect(found, what).toHaveLength(1)
  return found[0]!
}
const assetDir = (f: Fn): string => join(outdir, `asset.${f.Properties.Code.S3Key.replace(/\.zip$/, '')}`)
const metafile = (f: Fn): Meta => JSON.parse(readFileSync(join(assetDir(f), 'index.meta.json'), 'utf8')) as Meta
/** The npm packages esbuild put into the bundle. */
const bundledPackages = (meta: Meta): Set<string> =>
  new Set(
    Object.keys(meta.inputs)
      .filter((i) => i.includes('node_modules/'))
      .map((i) => {
        const rest = i.slice(i.lastIndexOf('node_modules/') + 'node_modules/'.length).split('/')
        return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!
      }),
  )

/** The asset alone in a fresh folder, with only @aws-sdk/* resolvable beside it (as the runtime provides it). */
function isolate(f: Fn): string {
  const dir = mkdtempSync(join(tmpdir(), 'bm-lambda-'))
  cpSync(assetDir(f), dir, { recursive: true })
  mkdirSync(join(dir, 'node_modules'), { recursive: true })
  for (const scope of RUNTIME_PROVIDED_MODULES) symlinkSync(join(PROJECT_ROOT, 'node_modules', scope.replace('/*', '')), join(dir, 'node_modules', scope.replace('/*', '')))
  return dir
}

/** The template's environment with references replaced by the local resources' names. */
function environmentOf(f: Fn, refs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(f.Properties.Environment.Variables).map(([k, v]) => {
      if (typeof v === 'string') return [k, v]
      const id = (v as { Ref?: string }).Ref
      const name = Object.entries(refs).find(([prefix]) => id?.startsWith(prefix))?.[1]
      if (name === undefined) throw new Error(`no local stand-in for ${k}=${JSON.stringify(v)}`)
      return [k, name]
    }),
  )
}

/** Runs `index.<handler>(event, context)` of an isolated bundle in a child process: its result, stdout (EMF) and stderr. */
async function invoke(dir: string, f: Fn, env: Record<string, string>, event: unknown): Promise<{ code: number | null; result: unknown; stdout: string; stderr: string }> {
  writeFileSync(join(dir, 'event.json'), JSON.stringify(event))
  const exportName = f.Properties.Handler.split('.')[1]!
  const script = [
    "import { readFileSync, writeFileSync } from 'node:fs'",
    `const m = await import('./index.mjs')`,
    "const event = JSON.parse(readFileSync('./event.json', 'utf8'))",
    `const result = await m[${JSON.stringify(exportName)}](event, { getRemainingTimeInMillis: () => 300000, awsRequestId: 'test' })`,
    "writeFileSync('./result.json', JSON.stringify(result ?? null))",
  ].join('\n')
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: dir,
    // Only what a Lambda would have: the template's variables and the (local) AWS settings.
    env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...stack.env, ...env },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  const resultFile = join(dir, 'result.json')
  return { code, result: existsSync(resultFile) ? JSON.parse(readFileSync(resultFile, 'utf8')) : undefined, stdout, stderr }
}

async function keysUnder(prefix: string): Promise<string[]> {
  const res = await s3.send(new ListObjectsV2Command({ Bucket: stack.bucket, Prefix: prefix }))
  return (res.Contents ?? []).map((o) => o.Key!)
}

const isolated: string[] = []
beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'bm-infra-bundles-'))
  const { app, stack: cdkStack } = createApp({ outdir, nag: false })
  const assembly = app.synth()
  functions = Object.values(assembly.getStackByName(cdkStack.stackName).template.Resources as Record<string, Fn>).filter((r) => r.Type === 'AWS::Lambda::Function')
  stack = await startLocalStack({ dynamo: true, athena: true, bucket: 'bm-bundles', shardCount: 1 })
  s3 = createS3Client({}, stack.env)
  dynamo = createDynamoDbClient({}, stack.env)
  await dynamo.send(new CreateTableCommand(stateTableDefinition(TABLE)))
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS
  workload = generateWorkload({ jobs: 200, seed: 6, start: today - DAY_MS })
  day = new Date(today - DAY_MS).toISOString().slice(0, 10)
})
afterAll(async () => {
  s3?.destroy()
  dynamo?.destroy()
  await stack?.stop()
  for (const d of [outdir, ...isolated]) if (d) rmSync(d, { recursive: true, force: true })
})

describe('consumer bundle', () => {
  it('holds the handler and its libraries; only node built-ins and @aws-sdk/* stay outside', () => {
    const meta = metafile(fn('Kinesis consumer'))
    const packages = bundledPackages(meta)
    for (const p of ['hyparquet-writer', 'pino', 'zod']) expect(packages, p).toContain(p)
    const entry = Object.values(meta.outputs).find((o) => o.entryPoint)!
    expect(entry.entryPoint).toBe('consumers/lambda/handler.ts')
    for (const imp of entry.imports.filter((i) => i.external)) expect(imp.path).toMatch(/^(node:|@aws-sdk\/|[a-z_]+$)/)
    // What the code loads through createRequire is shipped beside the bundle, bundled with its own dependencies.
    for (const spec of CONSUMER_RUNTIME_REQUIRES) expect(existsSync(join(assetDir(fn('Kinesis consumer')), 'node_modules', spec)), spec).toBe(true)
  })

  it('loads on its own and writes the day of events to the tables, reporting no failures', async () => {
    const consumer = fn('Kinesis consumer')
    const dir = isolate(consumer)
    isolated.push(dir)
    const records = await onShard(workload.records, { arrivalStartMs: Date.now() - 60_000, kpl: true, kplMaxRecords: 25 })
    const env = { ...environmentOf(consumer, { BatchMeterData: stack.bucket, BatchMeterConsumerState: TABLE }), [envVarOf('retainAfterTerminalHours')]: '240' }
    const run = await invoke(dir, consumer, env, kinesisEvent('shardId-000000000000', records))
    expect(run.stderr).not.toMatch(/Cannot find module|ERR_/)
    expect(run.code, run.stderr).toBe(0)
    expect(run.result).toEqual({ batchItemFailures: [] })
    for (const table of TABLE_NAMES) expect((await keysUnder(`${table}/dt=${day}/`)).length, table).toBeGreaterThan(0)
    // stdout carries only the EMF lines.
    const lines = run.stdout.trim().split('\n')
    expect(lines.length).toBeGreaterThan(0)
    for (const line of lines) expect((JSON.parse(line) as { _aws?: unknown })._aws).toBeDefined()
  })
})

describe('report bundle', () => {
  it('ships the canned SQL beside the bundle', () => {
    const dir = assetDir(fn('scheduled reports'))
    for (const report of listReports()) expect(existsSync(join(dir, 'reports', `${report}.sql`)), report).toBe(true)
  })

  it("loads on its own and reports on the consumer's day through Athena, matching the ground truth", async () => {
    const reports = fn('scheduled reports')
    const dir = isolate(reports)
    isolated.push(dir)
    const env = environmentOf(reports, { BatchMeterData: stack.bucket, BatchMeterAnalyticsWorkGroup: 'batchmeter', BatchMeterAnalyticsDatabase: 'batchmeter' })
    const time = new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS + 6 * 3600_000).toISOString()
    const run = await invoke(dir, reports, env, { period: 'daily', time })
    expect(run.code, run.stderr).toBe(0)
    const result = run.result as { from: string; to: string; keys: string[] }
    expect(result).toMatchObject({ from: day, to: day })
    expect(result.keys).toContain(`reports/daily/${day}_${day}/report.html`)
    const json = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: stack.bucket, Key: `reports/daily/${day}_${day}/report.json` }))).Body!.transformToString()) as {
      results: { report: string; rows: { jobs: number }[] }[]
    }
    const usage = json.results.find((r) => r.report === 'usage-by-queue')!
    const truth = [...workload.jobsTruth.values()].filter((j) => !j.is_array_parent && new Date(j.stopped_at).toISOString().startsWith(day))
    expect(truth.length).toBeGreaterThan(0)
    expect(usage.rows.reduce((a, r) => a + r.jobs, 0)).toBe(truth.length)
  })
})
