import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAthenaClient, createS3Client } from '../core/awsClients.js'
import { BatchmeterError, ErrorCode } from '../core/errors.js'
import { createAthenaRunner, type AthenaRunnerOptions } from './athena/athenaRunner.js'
import { createLocalEngine } from './localEngine.js'
import { athenaReportEngine, localReportEngine, type ReportEngine } from './reportEngine.js'
import { syncFromS3 } from './syncFromS3.js'

export const ENGINES = ['athena', 'local'] as const
export type EngineName = (typeof ENGINES)[number]

export interface OpenReportEngineOptions {
  /** Default: `local` when `data` is given, else `athena`. */
  engine?: EngineName
  /** Local engine: a folder of `<table>/dt=…/` files. */
  data?: string
  /** Local engine without `data`: mirror this bucket (and prefix) first. */
  bucket?: string
  prefix?: string
  region?: string
  /** Athena: default `primary`. */
  workGroup?: string
  /** Athena: `s3://…/` for results (else the workgroup's). */
  outputLocation?: string
  /** Athena: Glue database. Default `batchmeter`. */
  database?: string
  athenaEndpoint?: string
  s3Endpoint?: string
  onState?: AthenaRunnerOptions['onState']
}

export interface OpenedEngine {
  engine: ReportEngine
  close(): Promise<void>
}

/** The engine the flags ask for, with what it needs opened; `close()` releases it all. */
export async function openReportEngine(o: OpenReportEngineOptions): Promise<OpenedEngine> {
  const engine = o.engine ?? (o.data ? 'local' : 'athena')
  if (engine === 'local') {
    if (o.data) {
      const local = await createLocalEngine({ dataDir: o.data })
      return { engine: localReportEngine(local), close: () => local.close() }
    }
    if (!o.bucket) throw new BatchmeterError(ErrorCode.Usage, '--engine local needs --data DIR (a folder of tables) or --bucket (to mirror it from S3).')
    const cache = await mkdtemp(join(tmpdir(), 'batchmeter-report-'))
    const s3 = createS3Client({ region: o.region, endpoint: o.s3Endpoint })
    try {
      await syncFromS3({ client: s3, bucket: o.bucket, prefix: o.prefix ?? '', dir: cache })
    } finally {
      s3.destroy()
    }
    const local = await createLocalEngine({ dataDir: cache })
    return {
      engine: localReportEngine(local),
      async close() {
        await local.close()
        await rm(cache, { recursive: true, force: true })
      },
    }
  }
  const client = createAthenaClient({ region: o.region, endpoint: o.athenaEndpoint })
  const runner = createAthenaRunner({
    client,
    workGroup: o.workGroup ?? 'primary',
    database: o.database ?? 'batchmeter',
    ...(o.outputLocation ? { outputLocation: o.outputLocation } : {}),
    ...(o.onState ? { onState: o.onState } : {}),
  })
  return {
    engine: athenaReportEngine(runner),
    async close() {
      client.destroy()
    },
  }
}
