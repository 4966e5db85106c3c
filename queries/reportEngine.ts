/**
 * One interface over the two engines that run the canned SQL: Athena (through the
 * runner, on AWS or the local endpoint) and the in-process DuckDB engine on a folder.
 */
import type { AthenaRunner } from './athena/athenaRunner.js'
import { athenaQueryCost } from './athena/queryCost.js'
import type { LocalEngine } from './localEngine.js'
import type { ResultColumn } from './resultColumns.js'

export interface EngineResult {
  columns: ResultColumn[]
  rows: Record<string, unknown>[]
  /** Bytes the query scanned and what Athena bills for that; absent when unknown. */
  scannedBytes?: number
  costUsd?: number
  queryExecutionId?: string
}

export interface ReportEngine {
  /** `athena` or `local`, for the report header. */
  readonly name: string
  run(sql: string, params: readonly unknown[], signal?: AbortSignal): Promise<EngineResult>
}

export function athenaReportEngine(runner: AthenaRunner): ReportEngine {
  return {
    name: 'athena',
    async run(sql, params, signal) {
      const r = await runner.run(sql, params, signal ? { signal } : {})
      return { columns: r.columns, rows: r.rows, scannedBytes: r.stats.dataScannedBytes, costUsd: r.stats.costUsd, queryExecutionId: r.queryExecutionId }
    },
  }
}

/** The local engine; scanned bytes are the Parquet column chunks read, priced as Athena would. */
export function localReportEngine(engine: LocalEngine): ReportEngine {
  return {
    name: 'local',
    async run(sql, params) {
      const r = await engine.queryDetailed(sql, params)
      return { columns: r.columns, rows: r.rows, scannedBytes: r.scannedBytes, costUsd: athenaQueryCost(r.scannedBytes) }
    },
  }
}
