/**
 * Glue database, tables and dedupe views, and the Athena workgroup with the canned
 * reports saved as named queries. Tables and views come from queries/ddl (see
 * glueTableInputs.ts); the workgroup enforces its result location (in the data
 * bucket, KMS-encrypted) and a per-query scan cutoff.
 */
import { Stack } from 'aws-cdk-lib'
import { CfnNamedQuery, CfnWorkGroup } from 'aws-cdk-lib/aws-athena'
import { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue'
import type { IKey } from 'aws-cdk-lib/aws-kms'
import type { IBucket } from 'aws-cdk-lib/aws-s3'
import { Construct } from 'constructs'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import { TABLES, TABLE_NAMES } from '../../core/tables.js'
import { namedQueryName } from '../../queries/athena/installNamedQueries.js'
import { DEDUPED_TABLES, createDedupedViewDdl, dedupedViewName } from '../../queries/ddl/tableDdl.js'
import { listReports, loadReport } from '../../queries/loadReport.js'
import { FOLDERS } from '../batchMeterProps.js'
import { dedupedViewInput, deadLetterTableInput, parquetTableInput, tableLocationOf } from '../glueTableInputs.js'

/** Athena's smallest allowed `BytesScannedCutoffPerQuery`. */
export const MIN_SCAN_CUTOFF = 10_000_000

const GLUE_NAME = /^[a-z_][a-z0-9_]{0,254}$/
const WORKGROUP_NAME = /^[a-zA-Z0-9._-]{1,128}$/

export interface AnalyticsProps {
  bucket: IBucket
  prefix: string
  encryptionKey: IKey
  databaseName: string
  workGroupName: string
  bytesScannedCutoffPerQuery: number
  /** Reports saved as named queries. Default every canned report. */
  reports?: readonly string[]
}

export class Analytics extends Construct {
  readonly database: CfnDatabase
  readonly tables: CfnTable[] = []
  readonly workGroup: CfnWorkGroup
  readonly namedQueries: CfnNamedQuery[] = []
  /** `s3://…/athena-results/`, enforced on every query of the workgroup. */
  readonly resultLocation: string

  constructor(scope: Construct, id: string, props: AnalyticsProps) {
    super(scope, id)
    const { bucket, prefix, databaseName, workGroupName } = props
    if (!GLUE_NAME.test(databaseName)) throw new BatchmeterError(ErrorCode.Config, `database name "${databaseName}" must be lowercase letters, digits and _ (Glue names)`)
    if (!WORKGROUP_NAME.test(workGroupName)) throw new BatchmeterError(ErrorCode.Config, `workgroup name "${workGroupName}" may hold letters, digits, . _ - only (1–128)`)
    if (!(Number.isInteger(props.bytesScannedCutoffPerQuery) && props.bytesScannedCutoffPerQuery >= MIN_SCAN_CUTOFF)) {
      throw new BatchmeterError(ErrorCode.Config, `bytesScannedCutoffPerQuery is ${props.bytesScannedCutoffPerQuery}; Athena needs a whole number of bytes ≥ ${MIN_SCAN_CUTOFF}`)
    }
    const catalogId = Stack.of(this).account

    this.database = new CfnDatabase(this, 'Database', {
      catalogId,
      databaseInput: { name: databaseName, description: 'batchmeter: AWS Batch usage and cost tables (Parquet on S3, partition projection on dt)' },
    })
    const addTable = (id: string, tableInput: CfnTable.TableInputProperty): CfnTable => {
      const table = new CfnTable(this, id, { catalogId, databaseName, tableInput })
      table.node.addDependency(this.database)
      this.tables.push(table)
      return table
    }
    for (const name of TABLE_NAMES) addTable(`Table-${name}`, parquetTableInput(TABLES[name], bucket.bucketName, prefix))
    addTable('Table-dead_letters', deadLetterTableInput(bucket.bucketName, prefix))
    for (const name of DEDUPED_TABLES) addTable(`View-${name}`, dedupedViewInput(TABLES[name], dedupedViewName(name), databaseName))

    this.resultLocation = tableLocationOf(bucket.bucketName, prefix, FOLDERS.athenaResults)
    this.workGroup = new CfnWorkGroup(this, 'WorkGroup', {
      name: workGroupName,
      description: 'batchmeter: canned AWS Batch usage and cost reports',
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: this.resultLocation,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.encryptionKey.keyArn },
        },
      },
    })

    const save = (id: string, name: string, description: string, sql: string): void => {
      const query = new CfnNamedQuery(this, id, { name, description: description.slice(0, 1024), database: databaseName, queryString: sql, workGroup: workGroupName })
      query.node.addDependency(this.workGroup)
      query.node.addDependency(this.database)
      this.namedQueries.push(query)
    }
    for (const report of props.reports ?? listReports()) {
      const r = loadReport(report)
      save(`Report-${report}`, namedQueryName(report), r.description || r.title, r.sql)
    }
    // The views are in Glue already; these re-create them from Athena if a schema change ever leaves one stale.
    for (const name of DEDUPED_TABLES) {
      save(`RecreateView-${name}`, `batchmeter setup: re-create ${dedupedViewName(name)}`, `Re-creates the ${dedupedViewName(name)} view (run after a schema change).`, createDedupedViewDdl(name))
    }
  }
}
