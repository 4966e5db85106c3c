/**
 * The Athena query runner: StartQueryExecution → poll GetQueryExecution with backoff →
 * page through GetQueryResults, with typed rows. The same code runs against AWS and the
 * local endpoint (local/athenaEndpoint.ts). Parameters go in ExecutionParameters as
 * Trino literals, never into the SQL text. Aborting the signal stops the query.
 */
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type QueryExecution,
} from '@aws-sdk/client-athena'
import { setTimeout as sleep } from 'node:timers/promises'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import { isRetriable, withRetry, type RetryOptions } from '../../core/retry.js'
import type { ResultColumn } from '../resultColumns.js'
import { fromAthenaText } from './athenaValues.js'
import { athenaQueryCost } from './queryCost.js'
import { toTrinoLiteral } from './trinoLiteral.js'

export interface AthenaRunnerOptions {
  client: Pick<AthenaClient, 'send'>
  /** Default `primary`. */
  workGroup?: string
  /** `s3://bucket/prefix/` for result files; may be left out when the workgroup sets one. */
  outputLocation?: string
  /** Glue database the unqualified table names resolve in. Default `batchmeter`. */
  database?: string
  /** First poll delay in ms; doubles up to `pollMaxMs`. Default 200. */
  pollMinMs?: number
  /** Longest poll delay. Default 5000. */
  pollMaxMs?: number
  /** Rows per GetQueryResults page (Athena allows up to 1000). Default 1000. */
  pageSize?: number
  /** Retry of throttled / 5xx calls. Default withRetry's. */
  retry?: RetryOptions
  /** Called on every state seen while polling. */
  onState?: (state: string, queryExecutionId: string) => void
  /** Injected for tests; default timers/promises setTimeout. */
  delay?: (ms: number, signal?: AbortSignal) => Promise<void>
}

export interface QueryStatistics {
  dataScannedBytes: number
  engineMs: number
  totalMs: number
  /** What Athena bills for the scan: $5 per TB, 10 MB minimum. */
  costUsd: number
}

export interface AthenaQueryResult {
  queryExecutionId: string
  statementType: string
  columns: ResultColumn[]
  rows: Record<string, unknown>[]
  stats: QueryStatistics
  /** Where Athena wrote the CSV result. */
  outputLocation?: string
}

export interface RunOptions {
  signal?: AbortSignal
}

export interface AthenaRunner {
  run(sql: string, params?: readonly unknown[], options?: RunOptions): Promise<AthenaQueryResult>
}

const DONE = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED'])

const defaultDelay = (ms: number, signal?: AbortSignal): Promise<void> => sleep(ms, undefined, signal ? { signal } : undefined)

function callError(action: string, cause: unknown, queryExecutionId?: string): BatchmeterError {
  if (cause instanceof BatchmeterError) return cause
  const e = cause as { name?: string; message?: string }
  return new BatchmeterError(ErrorCode.Query, `Athena ${action} failed: ${e.name ?? 'Error'}: ${e.message ?? String(cause)}. Check the workgroup, output location, region and credentials.`, {
    cause,
    retriable: isRetriable(cause),
    context: { action, ...(queryExecutionId ? { queryExecutionId } : {}) },
  })
}

function statsOf(q: QueryExecution): QueryStatistics {
  const s = q.Statistics ?? {}
  const bytes = s.DataScannedInBytes ?? 0
  return { dataScannedBytes: bytes, engineMs: s.EngineExecutionTimeInMillis ?? 0, totalMs: s.TotalExecutionTimeInMillis ?? 0, costUsd: athenaQueryCost(bytes, q.StatementType) }
}

/** A runner bound to one workgroup, output location and database. */
export function createAthenaRunner(options: AthenaRunnerOptions): AthenaRunner {
  const { client, workGroup = 'primary', outputLocation, database = 'batchmeter', pollMinMs = 200, pollMaxMs = 5000, pageSize = 1000, retry, onState, delay = defaultDelay } = options
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw new BatchmeterError(ErrorCode.Config, `pageSize is ${pageSize}; Athena pages hold 1 to 1000 rows.`)
  const call = <T>(action: string, fn: () => Promise<T>, signal: AbortSignal | undefined, id?: string): Promise<T> =>
    withRetry(fn, { ...retry, ...(signal ? { signal } : {}) }).catch((cause: unknown) => Promise.reject(callError(action, cause, id)))

  const stop = async (id: string): Promise<void> => {
    // Best effort, and never under the aborted signal.
    await withRetry(() => client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })), { retries: 3, minDelayMs: 50 }).catch(() => undefined)
  }

  const waitFor = async (id: string, signal: AbortSignal | undefined): Promise<QueryExecution> => {
    let wait = pollMinMs
    for (;;) {
      const out = await call('GetQueryExecution', () => client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }), signal ? { abortSignal: signal } : {}), signal, id)
      const q = out.QueryExecution ?? {}
      const state = q.Status?.State ?? 'UNKNOWN'
      onState?.(state, id)
      if (DONE.has(state)) return q
      await delay(wait, signal)
      wait = Math.min(pollMaxMs, wait * 2)
    }
  }

  const fetchAll = async (id: string, signal: AbortSignal | undefined): Promise<{ columns: ResultColumn[]; rows: Record<string, unknown>[] }> => {
    let token: string | undefined
    let columns: ResultColumn[] = []
    const rows: Record<string, unknown>[] = []
    let first = true
    do {
      const page = await call(
        'GetQueryResults',
        () => client.send(new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: pageSize, NextToken: token }), signal ? { abortSignal: signal } : {}),
        signal,
        id,
      )
      if (first) columns = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => ({ name: c.Name ?? c.Label ?? '', type: c.Type ?? 'varchar' }))
      let data = page.ResultSet?.Rows ?? []
      // The first page of a SELECT starts with the header row.
      if (first && data.length > 0 && columns.length > 0 && data[0]?.Data?.every((d, i) => d.VarCharValue === columns[i]?.name)) data = data.slice(1)
      for (const r of data) {
        const row: Record<string, unknown> = {}
        columns.forEach((c, i) => {
          row[c.name] = fromAthenaText(r.Data?.[i]?.VarCharValue, c.type)
        })
        rows.push(row)
      }
      token = page.NextToken
      first = false
    } while (token)
    return { columns, rows }
  }

  return {
    async run(sql, params = [], { signal } = {}) {
      signal?.throwIfAborted()
      const executionParameters = params.map((p, i) => toTrinoLiteral(p, i))
      const started = await call(
        'StartQueryExecution',
        () =>
          client.send(
            new StartQueryExecutionCommand({
              QueryString: sql,
              WorkGroup: workGroup,
              QueryExecutionContext: { Database: database },
              ...(outputLocation ? { ResultConfiguration: { OutputLocation: outputLocation } } : {}),
              ...(executionParameters.length > 0 ? { ExecutionParameters: executionParameters } : {}),
            }),
          ),
        signal,
      )
      const id = started.QueryExecutionId
      if (!id) throw new BatchmeterError(ErrorCode.Query, 'Athena StartQueryExecution returned no QueryExecutionId; check the endpoint.')
      let q: QueryExecution
      try {
        q = await waitFor(id, signal)
      } catch (error) {
        if (signal?.aborted) {
          await stop(id)
          throw new BatchmeterError(ErrorCode.Query, `Athena query ${id} was cancelled (StopQueryExecution sent).`, { cause: error, context: { queryExecutionId: id, cancelled: true } })
        }
        throw error
      }
      const state = q.Status?.State
      if (state !== 'SUCCEEDED') {
        const reason = q.Status?.AthenaError?.ErrorMessage ?? q.Status?.StateChangeReason ?? 'no reason given'
        throw new BatchmeterError(ErrorCode.Query, `Athena query ${id} ${state === 'CANCELLED' ? 'was cancelled' : 'failed'}: ${reason}`, {
          retriable: q.Status?.AthenaError?.Retryable === true,
          context: { queryExecutionId: id, state, errorType: q.Status?.AthenaError?.ErrorType, cancelled: state === 'CANCELLED' },
        })
      }
      const { columns, rows } = await fetchAll(id, signal)
      const output = q.ResultConfiguration?.OutputLocation
      return { queryExecutionId: id, statementType: q.StatementType ?? 'DML', columns, rows, stats: statsOf(q), ...(output ? { outputLocation: output } : {}) }
    },
  }
}
