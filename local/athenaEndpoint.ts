/**
 * A local Athena endpoint: the Athena JSON 1.1 protocol for the calls batchmeter's
 * runner uses (StartQueryExecution, GetQueryExecution, GetQueryResults with paging,
 * StopQueryExecution, and the named-query calls), answering from DuckDB over the Parquet
 * files in the local S3 (mirrored to a cache folder: DuckDB cannot read S3 here). The
 * CSV result is written to the output location, as Athena does. So the one runner serves
 * production and the local default.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { TABLE_NAMES } from '../core/tables.js'
import { DEAD_LETTER_TABLE } from '../queries/ddl/deadLetterTable.js'
import { tableLocation } from '../queries/ddl/tableDdl.js'
import { createLocalEngine } from '../queries/localEngine.js'
import { createLocalExecutions, type Execution } from '../queries/athena/localExecutions.js'
import { toAthenaText } from '../queries/athena/athenaValues.js'
import { syncFromS3 } from '../queries/syncFromS3.js'

export interface AthenaEndpointOptions {
  /** Client of the (local) S3 holding the tables and receiving result files. */
  s3: S3Client
  /** Bucket and key prefix of the tables (`<prefix>/<table>/dt=…/`). */
  bucket: string
  prefix?: string
  /** Result location for workgroups whose requests give none. Default `s3://<bucket>/athena-results/`. */
  defaultOutputLocation?: string
  /** Shortest time from start to SUCCEEDED, so clients poll. Default 0. */
  minRunMs?: number
  /** Fault injection for tests: this many GetQueryExecution calls answer ThrottlingException first. Default 0. */
  throttleFirst?: number
}

export interface AthenaEndpoint {
  endpoint: string
  /** Closes the server and removes the mirror folder; safe to call twice. */
  stop(): Promise<void>
}

const HOST = '127.0.0.1'
const MAX_PAGE = 1000

class ApiError extends Error {
  constructor(readonly type: string, message: string, readonly status = 400) {
    super(message)
  }
}

type Handler = (body: Record<string, unknown>) => unknown | Promise<unknown>

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
const seconds = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000)

function describe(e: Execution) {
  const total = (e.completedAt ?? Date.now()) - e.submittedAt
  return {
    QueryExecutionId: e.id,
    Query: e.query,
    StatementType: e.statementType,
    ResultConfiguration: { OutputLocation: `${e.outputLocation.replace(/\/?$/, '/')}${e.id}.csv` },
    QueryExecutionContext: { Database: e.database, Catalog: 'AwsDataCatalog' },
    Status: {
      State: e.state,
      ...(e.reason ? { StateChangeReason: e.reason } : {}),
      SubmissionDateTime: seconds(e.submittedAt),
      ...(e.completedAt ? { CompletionDateTime: seconds(e.completedAt) } : {}),
      ...(e.state === 'FAILED' ? { AthenaError: { ErrorCategory: 2, ErrorType: 1100, Retryable: false, ErrorMessage: e.reason } } : {}),
    },
    Statistics: { EngineExecutionTimeInMillis: e.engineMs, DataScannedInBytes: e.scannedBytes, TotalExecutionTimeInMillis: total, QueryQueueTimeInMillis: 0 },
    WorkGroup: e.workGroup,
    ...(e.parameters.length > 0 ? { ExecutionParameters: e.parameters } : {}),
  }
}

interface NamedQuery {
  NamedQueryId: string
  Name: string
  Description?: string
  Database: string
  QueryString: string
  WorkGroup: string
}

/** Starts the endpoint on a free loopback port. */
export async function startAthenaEndpoint(options: AthenaEndpointOptions): Promise<AthenaEndpoint> {
  const { s3, bucket, prefix = '', minRunMs = 0 } = options
  const defaultOutput = options.defaultOutputLocation ?? `s3://${bucket}/athena-results/`
  const dataRoot = tableLocation(bucket, prefix, 'x').slice(0, -'x/'.length)
  const cache = await mkdtemp(join(tmpdir(), 'batchmeter-athena-'))
  const engine = await createLocalEngine({ dataDir: cache })
  const executions = createLocalExecutions({
    engine,
    s3,
    dataRoot,
    minRunMs,
    // Only the table folders: results written to the same bucket are never mirrored.
    sync: async () => {
      for (const folder of [...TABLE_NAMES, DEAD_LETTER_TABLE.folder]) {
        const p = prefix.replace(/^\/+|\/+$/g, '')
        await syncFromS3({ client: s3, bucket, prefix: `${p ? `${p}/` : ''}${folder}/`, dir: join(cache, folder) })
      }
    },
  })
  const named = new Map<string, NamedQuery>()
  let throttles = options.throttleFirst ?? 0

  const executionOf = (body: Record<string, unknown>): Execution => {
    const id = str(body.QueryExecutionId)
    const e = id === undefined ? undefined : executions.get(id)
    if (!e) throw new ApiError('InvalidRequestException', `QueryExecution ${id ?? '(none)'} was not found`)
    return e
  }
  const namedOf = (id: unknown): NamedQuery => {
    const q = typeof id === 'string' ? named.get(id) : undefined
    if (!q) throw new ApiError('InvalidRequestException', `NamedQuery ${String(id)} was not found`)
    return q
  }

  const handlers: Record<string, Handler> = {
    StartQueryExecution: (b) => {
      const query = str(b.QueryString)
      if (!query || query.trim() === '') throw new ApiError('InvalidRequestException', 'QueryString must not be empty')
      const output = str((b.ResultConfiguration as Record<string, unknown> | undefined)?.OutputLocation) ?? defaultOutput
      if (!/^s3:\/\/[^/]+/.test(output)) throw new ApiError('InvalidRequestException', `OutputLocation ${output} is not an s3:// location`)
      const params = b.ExecutionParameters
      if (params !== undefined && !(Array.isArray(params) && params.every((p) => typeof p === 'string'))) throw new ApiError('InvalidRequestException', 'ExecutionParameters must be a list of strings')
      const e = executions.start({
        query,
        database: str((b.QueryExecutionContext as Record<string, unknown> | undefined)?.Database) ?? 'default',
        workGroup: str(b.WorkGroup) ?? 'primary',
        outputLocation: output,
        parameters: (params as string[] | undefined) ?? [],
        ...(str(b.ClientRequestToken) ? { token: str(b.ClientRequestToken) } : {}),
      })
      return { QueryExecutionId: e.id }
    },
    GetQueryExecution: (b) => {
      if (throttles > 0) {
        throttles--
        throw new ApiError('ThrottlingException', 'Rate exceeded')
      }
      return { QueryExecution: describe(executionOf(b)) }
    },
    StopQueryExecution: (b) => {
      executions.stop(executionOf(b).id)
      return {}
    },
    GetQueryResults: (b) => {
      const e = executionOf(b)
      if (e.state !== 'SUCCEEDED') {
        throw new ApiError('InvalidRequestException', e.state === 'QUEUED' || e.state === 'RUNNING' ? `Query has not yet finished. Current state: ${e.state}` : `Query did not finish successfully. Final query state: ${e.state}`)
      }
      const max = b.MaxResults === undefined ? MAX_PAGE : Number(b.MaxResults)
      if (!Number.isInteger(max) || max < 1 || max > MAX_PAGE) throw new ApiError('InvalidRequestException', `MaxResults must be between 1 and ${MAX_PAGE}`)
      const offset = b.NextToken === undefined ? 0 : Number(Buffer.from(String(b.NextToken), 'base64url').toString('utf8').replace(`${e.id}:`, ''))
      if (!Number.isInteger(offset) || offset < 0) throw new ApiError('InvalidRequestException', 'NextToken is not valid for this query')
      // Athena's first page starts with a header row (for statements that return columns).
      const header = e.statementType === 'DDL' ? [] : [{ Data: e.columns.map((c) => ({ VarCharValue: c.name })) }]
      const total = header.length + e.rows.length
      const page = []
      for (let i = offset; i < Math.min(total, offset + max); i++) {
        if (i < header.length) page.push(header[i])
        else {
          const row = e.rows[i - header.length] as Record<string, unknown>
          page.push({ Data: e.columns.map((c) => { const v = toAthenaText(row[c.name], c.type); return v === undefined ? {} : { VarCharValue: v } }) })
        }
      }
      const next = offset + max < total ? Buffer.from(`${e.id}:${offset + max}`).toString('base64url') : undefined
      return {
        UpdateCount: 0,
        ResultSet: {
          Rows: page,
          ResultSetMetadata: {
            ColumnInfo: e.columns.map((c) => ({ CatalogName: 'hive', SchemaName: '', TableName: '', Name: c.name, Label: c.name, Type: c.type, Precision: 0, Scale: 0, Nullable: 'UNKNOWN', CaseSensitive: c.type === 'varchar' })),
          },
        },
        ...(next ? { NextToken: next } : {}),
      }
    },
    CreateNamedQuery: (b) => {
      const q: NamedQuery = {
        NamedQueryId: randomUUID(),
        Name: str(b.Name) ?? '',
        Database: str(b.Database) ?? '',
        QueryString: str(b.QueryString) ?? '',
        WorkGroup: str(b.WorkGroup) ?? 'primary',
        ...(str(b.Description) ? { Description: str(b.Description) } : {}),
      }
      if (!q.Name || !q.Database || !q.QueryString) throw new ApiError('InvalidRequestException', 'Name, Database and QueryString are required')
      named.set(q.NamedQueryId, q)
      return { NamedQueryId: q.NamedQueryId }
    },
    GetNamedQuery: (b) => ({ NamedQuery: namedOf(b.NamedQueryId) }),
    BatchGetNamedQuery: (b) => {
      const ids = Array.isArray(b.NamedQueryIds) ? (b.NamedQueryIds as unknown[]) : []
      return {
        NamedQueries: ids.filter((id) => named.has(String(id))).map((id) => named.get(String(id))),
        UnprocessedNamedQueryIds: ids.filter((id) => !named.has(String(id))).map((id) => ({ NamedQueryId: id, ErrorCode: 'INVALID_INPUT', ErrorMessage: 'not found' })),
      }
    },
    ListNamedQueries: (b) => {
      const workGroup = str(b.WorkGroup) ?? 'primary'
      const ids = [...named.values()].filter((q) => q.WorkGroup === workGroup).map((q) => q.NamedQueryId)
      const max = Number(b.MaxResults ?? 50)
      const offset = b.NextToken === undefined ? 0 : Number(b.NextToken)
      return { NamedQueryIds: ids.slice(offset, offset + max), ...(offset + max < ids.length ? { NextToken: String(offset + max) } : {}) }
    },
    DeleteNamedQuery: (b) => {
      named.delete(namedOf(b.NamedQueryId).NamedQueryId)
      return {}
    },
  }

  const server = createServer((req, res) => void handle(req, res))
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const send = (status: number, body: unknown, type?: string): void => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID(), ...(type ? { 'x-amzn-errortype': type } : {}) })
      res.end(JSON.stringify(body))
    }
    try {
      const chunks: Buffer[] = []
      for await (const c of req) chunks.push(c as Buffer)
      const target = String(req.headers['x-amz-target'] ?? '')
      const action = target.startsWith('AmazonAthena.') ? target.slice('AmazonAthena.'.length) : ''
      const handler = handlers[action]
      if (req.method !== 'POST' || !handler) throw new ApiError('UnknownOperationException', `The local Athena endpoint does not implement "${target}"`)
      const text = Buffer.concat(chunks).toString('utf8')
      send(200, await handler(text === '' ? {} : (JSON.parse(text) as Record<string, unknown>)))
    } catch (error) {
      if (error instanceof ApiError) send(error.status, { __type: error.type, Message: error.message }, error.type)
      else send(500, { __type: 'InternalServerException', Message: (error as Error).message }, 'InternalServerException')
    }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, HOST, () => resolve())
  })
  const endpoint = `http://${HOST}:${(server.address() as AddressInfo).port}`

  let stopping: Promise<void> | undefined
  return {
    endpoint,
    stop() {
      stopping ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        })
        await executions.idle()
        await engine.close()
        await rm(cache, { recursive: true, force: true })
      })()
      return stopping
    },
  }
}
