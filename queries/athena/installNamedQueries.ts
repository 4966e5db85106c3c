import { BatchGetNamedQueryCommand, CreateNamedQueryCommand, DeleteNamedQueryCommand, ListNamedQueriesCommand, type AthenaClient } from '@aws-sdk/client-athena'
import { withRetry } from '../../core/retry.js'
import { listReports, loadReport } from '../loadReport.js'

export interface InstallNamedQueriesOptions {
  client: Pick<AthenaClient, 'send'>
  workGroup: string
  database: string
  /** Default: every canned report. */
  reports?: readonly string[]
}

/** Name of a canned report's saved query in the Athena console. */
export const namedQueryName = (report: string): string => `batchmeter: ${report}`

/**
 * Saves the canned reports as Athena named queries in the workgroup (so they show in
 * the console's Saved queries), replacing the ones an earlier install saved.
 */
export async function installNamedQueries(options: InstallNamedQueriesOptions): Promise<{ created: number; replaced: number }> {
  const { client, workGroup, database, reports = listReports() } = options
  const ids: string[] = []
  let token: string | undefined
  do {
    const page = await withRetry(() => client.send(new ListNamedQueriesCommand({ WorkGroup: workGroup, NextToken: token, MaxResults: 50 })))
    ids.push(...(page.NamedQueryIds ?? []))
    token = page.NextToken
  } while (token)
  const wanted = new Set(reports.map(namedQueryName))
  let replaced = 0
  for (let i = 0; i < ids.length; i += 50) {
    const got = await withRetry(() => client.send(new BatchGetNamedQueryCommand({ NamedQueryIds: ids.slice(i, i + 50) })))
    for (const q of got.NamedQueries ?? []) {
      if (q.Name === undefined || !wanted.has(q.Name) || q.NamedQueryId === undefined) continue
      const id = q.NamedQueryId
      await withRetry(() => client.send(new DeleteNamedQueryCommand({ NamedQueryId: id })))
      replaced++
    }
  }
  for (const name of reports) {
    const report = loadReport(name)
    await withRetry(() =>
      client.send(
        new CreateNamedQueryCommand({ Name: namedQueryName(name), Description: report.description.slice(0, 1024), Database: database, QueryString: report.sql, WorkGroup: workGroup }),
      ),
    )
  }
  return { created: reports.length, replaced }
}
