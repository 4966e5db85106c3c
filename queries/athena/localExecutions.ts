/**
 * The query executions of the local Athena endpoint: the state machine (QUEUED →
 * RUNNING → SUCCEEDED | FAILED | CANCELLED), parameters parsed from Trino literals, DDL
 * recognised, SELECTs run on the local DuckDB engine over a mirror of the bucket, and the
 * CSV result written to the output location as Athena does.
 */
import { randomUUID } from 'node:crypto'
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import { withRetry } from '../../core/retry.js'
import { TABLE_NAMES } from '../../core/tables.js'
import { DEAD_LETTER_TABLE } from '../ddl/deadLetterTable.js'
import type { LocalEngine } from '../localEngine.js'
import type { ResultColumn } from '../resultColumns.js'
import { athenaCsv } from './athenaValues.js'
import { parseTrinoLiteral } from './trinoLiteral.js'

export type ExecutionState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED'

export interface Execution {
  id: string
  query: string
  statementType: 'DML' | 'DDL' | 'UTILITY'
  state: ExecutionState
  reason?: string
  database: string
  workGroup: string
  outputLocation: string
  parameters: string[]
  submittedAt: number
  completedAt?: number
  engineMs: number
  scannedBytes: number
  columns: ResultColumn[]
  rows: Record<string, unknown>[]
}

export interface LocalExecutionsOptions {
  engine: LocalEngine
  s3: Pick<S3Client, 'send'>
  /** Mirrors the data bucket into the engine's folder before each SELECT. */
  sync: () => Promise<void>
  /** Where the tables live: `s3://bucket/prefix/` (what DDL LOCATIONs must point under). */
  dataRoot: string
  /** Shortest time a query takes, so clients poll (tests). Default 0. */
  minRunMs?: number
  now?: () => number
}

const TABLE_FOLDERS = new Map<string, string>([...TABLE_NAMES.map((t) => [t, t] as const), [DEAD_LETTER_TABLE.name, DEAD_LETTER_TABLE.folder]])

const CREATE_TABLE = /^\s*CREATE\s+EXTERNAL\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:`?(\w+)`?\.)?`?(\w+)`?[\s\S]*?\bLOCATION\s+'([^']+)'/i
const CREATE_DATABASE = /^\s*CREATE\s+(?:DATABASE|SCHEMA)\s+(?:IF\s+NOT\s+EXISTS\s+)?`?(\w+)`?\s*$/i
/** Read through a function, so a StopQueryExecution that landed during an await is seen. */
const isCancelled = (e: Execution): boolean => e.state === 'CANCELLED'

function parseS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri)
  if (!m) throw new BatchmeterError(ErrorCode.Usage, `"${uri}" is not an s3:// location.`)
  return { bucket: m[1] as string, key: m[2] as string }
}

export interface LocalExecutions {
  start(input: { query: string; database: string; workGroup: string; outputLocation: string; parameters: string[]; token?: string }): Execution
  get(id: string): Execution | undefined
  stop(id: string): void
  /** Resolves once every started execution has finished (for a clean shutdown). */
  idle(): Promise<void>
}

export function createLocalExecutions(options: LocalExecutionsOptions): LocalExecutions {
  const { engine, s3, sync, dataRoot, minRunMs = 0, now = Date.now } = options
  const executions = new Map<string, Execution>()
  const byToken = new Map<string, string>()
  let queue: Promise<unknown> = Promise.resolve()

  const finish = (e: Execution, state: ExecutionState, reason?: string): void => {
    if (e.state === 'CANCELLED') return
    e.state = state
    if (reason !== undefined) e.reason = reason
    e.completedAt = now()
  }

  const ddl = async (e: Execution): Promise<void> => {
    const table = CREATE_TABLE.exec(e.query)
    if (table) {
      const name = (table[2] as string).toLowerCase()
      const folder = TABLE_FOLDERS.get(name)
      const location = (table[3] as string).replace(/\/?$/, '/')
      if (folder === undefined) throw new Error(`the local endpoint serves the batchmeter tables only (${[...TABLE_FOLDERS.keys()].join(', ')}), not "${name}"`)
      if (location !== `${dataRoot}${folder}/`) throw new Error(`table ${name} LOCATION ${location} is not where the local endpoint reads it (${dataRoot}${folder}/); create the tables with the same bucket and prefix`)
      return
    }
    if (CREATE_DATABASE.test(e.query)) return
    // CREATE VIEW: the canned view text is Trino and DuckDB alike.
    await engine.query(e.query)
  }

  const execute = async (e: Execution): Promise<void> => {
    const started = now()
    if (e.state === 'CANCELLED') return
    e.state = 'RUNNING'
    try {
      const values = e.parameters.map((p, i) => {
        const v = parseTrinoLiteral(p)
        if (v === undefined) throw new Error(`ExecutionParameters[${i}] ${JSON.stringify(p)} is not a literal; strings need single quotes ('text', with ' doubled)`)
        return v
      })
      if (e.statementType === 'DDL') await ddl(e)
      else {
        await sync()
        const result = await engine.queryDetailed(e.query, values)
        e.columns = result.columns
        e.rows = result.rows
        e.scannedBytes = result.scannedBytes
      }
      e.engineMs = now() - started
      // Hold the result until minRunMs has passed, in short steps so a stop ends the wait.
      while (!isCancelled(e) && now() - e.submittedAt < minRunMs) await new Promise((r) => setTimeout(r, Math.min(20, minRunMs)))
      if (isCancelled(e)) return
      if (e.statementType !== 'DDL') {
        const { bucket, key } = parseS3Uri(e.outputLocation)
        const body = athenaCsv(e.columns, e.rows)
        await withRetry(() => s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${key.replace(/\/?$/, '/').replace(/^\/$/, '')}${e.id}.csv`, Body: body, ContentType: 'text/csv' })), { retries: 3 })
      }
      finish(e, 'SUCCEEDED')
    } catch (error) {
      const message = error instanceof BatchmeterError ? ((error.cause as Error | undefined)?.message ?? error.message) : (error as Error).message
      finish(e, 'FAILED', message.split('\nCheck the SQL')[0])
    }
  }

  return {
    start({ query, database, workGroup, outputLocation, parameters, token }) {
      const known = token === undefined ? undefined : byToken.get(token)
      if (known !== undefined) return executions.get(known) as Execution
      const trimmed = query.trim()
      const statementType = /^(CREATE|DROP|ALTER|MSCK)\b/i.test(trimmed) && !/^CREATE\s+TABLE\s+\w+\s+AS\b/i.test(trimmed) ? 'DDL' : /^(SHOW|DESCRIBE|EXPLAIN)\b/i.test(trimmed) ? 'UTILITY' : 'DML'
      const e: Execution = {
        id: randomUUID(), query, statementType, state: 'QUEUED', database, workGroup, outputLocation, parameters,
        submittedAt: now(), engineMs: 0, scannedBytes: 0, columns: [], rows: [],
      }
      executions.set(e.id, e)
      if (token !== undefined) byToken.set(token, e.id)
      queue = queue.then(() => execute(e))
      return e
    },
    get: (id) => executions.get(id),
    stop(id) {
      const e = executions.get(id)
      if (e && (e.state === 'QUEUED' || e.state === 'RUNNING')) {
        e.state = 'CANCELLED'
        e.reason = 'Query cancelled by user'
        e.completedAt = now()
      }
    },
    idle: () => queue.then(() => undefined),
  }
}
