/**
 * Glue, Athena, scheduled reports, dashboard and alarms as CloudFormation. Every
 * expected value is derived from the one definition the infra must follow (core/tables.ts
 * through queries/ddl, the canned reports, the metric set's generators), so these tests
 * fail when the infra drifts from it, not when the definitions change.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Template } from 'aws-cdk-lib/assertions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TABLES, TABLE_NAMES } from '../core/tables.js'
import { buildAlarms } from '../consumers/metrics/buildAlarms.js'
import { buildDashboard } from '../consumers/metrics/buildDashboard.js'
import { resolveMetricsConfig } from '../consumers/metrics/metricsConfig.js'
import { namedQueryName } from '../queries/athena/installNamedQueries.js'
import { DEAD_LETTER_TABLE } from '../queries/ddl/deadLetterTable.js'
import { DEDUPED_TABLES, PARTITION, athenaColumns, dedupedViewBody, dedupedViewName, projectionProperties } from '../queries/ddl/tableDdl.js'
import { listReports, loadReport } from '../queries/loadReport.js'
import { createApp } from '../infra/app.js'
import { DEFAULTS } from '../infra/batchMeterProps.js'
import { REPORT_HANDLER } from '../infra/reportHandlerContract.js'

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] }
type TableInput = {
  Name: string
  TableType: string
  Parameters: Record<string, unknown>
  PartitionKeys?: { Name: string; Type: string }[]
  StorageDescriptor: { Columns: { Name: string; Type: string; Comment?: string }[]; Location?: unknown; InputFormat?: string; OutputFormat?: string; SerdeInfo?: { SerializationLibrary?: string } }
  ViewOriginalText?: string
  ViewExpandedText?: string
}

let outdir: string
let template: Template
let resources: Record<string, Resource>
const QUEUES = ['prod-gpu', 'arn:aws:batch:eu-west-1:123456789012:job-queue/prod-cpu', 'dev-*']

const ofType = (type: string): Resource[] => Object.values(resources).filter((r) => r.Type === type)
const bucketId = (): string => Object.entries(resources).find(([, r]) => r.Type === 'AWS::S3::Bucket')![0]
const glueTable = (name: string): TableInput => {
  const found = ofType('AWS::Glue::Table').map((r) => r.Properties.TableInput as TableInput).filter((t) => t.Name === name)
  expect(found, name).toHaveLength(1)
  return found[0]!
}
/** A location as the template writes it: `s3://<bucket ref>/<folder>/`. */
const locationOf = (folder: string) => ({ 'Fn::Join': ['', ['s3://', { Ref: bucketId() }, `/${folder}/`]] })

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'bm-infra-analytics-'))
  const { app, stack } = createApp({ outdir, nag: false, context: { 'aws:cdk:bundling-stacks': [], queues: QUEUES.join(','), alarmEmail: 'ops@example.com', reportSchedule: 'weekly' } })
  app.synth()
  template = Template.fromStack(stack)
  resources = template.toJSON().Resources as Record<string, Resource>
})
afterAll(() => rmSync(outdir, { recursive: true, force: true }))

describe('Glue tables', () => {
  it('has one database and one table per core/tables.ts table, plus dead letters and the dedupe views', () => {
    template.resourceCountIs('AWS::Glue::Database', 1)
    template.hasResourceProperties('AWS::Glue::Database', { CatalogId: { Ref: 'AWS::AccountId' }, DatabaseInput: { Name: DEFAULTS.databaseName } })
    const names = ofType('AWS::Glue::Table').map((r) => (r.Properties.TableInput as TableInput).Name).sort()
    expect(names).toEqual([...TABLE_NAMES, DEAD_LETTER_TABLE.name, ...DEDUPED_TABLES.map(dedupedViewName)].sort())
  })

  it.each(TABLE_NAMES)('%s: columns from the DDL helpers, Parquet SerDe, partition projection on dt', (name) => {
    const t = glueTable(name)
    expect(t.TableType).toBe('EXTERNAL_TABLE')
    expect(t.StorageDescriptor.Columns).toEqual(athenaColumns(TABLES[name]).map((c) => ({ Name: c.name, Type: c.type, Comment: c.comment })))
    expect(t.PartitionKeys).toEqual([expect.objectContaining({ Name: PARTITION.name, Type: PARTITION.type })])
    expect(t.StorageDescriptor).toMatchObject({
      Location: locationOf(name),
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
    })
    // Every projection property the DDL writes, with the same values (the location template made from the bucket reference).
    const expected = projectionProperties('s3://BUCKET/' + name + '/')
    for (const [key, value] of Object.entries(expected)) {
      if (key === 'storage.location.template') expect(t.Parameters[key]).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: bucketId() }, `/${name}/dt=\${dt}/`]] })
      else expect(t.Parameters[key], key).toBe(value)
    }
    expect(t.Parameters).toMatchObject({ 'projection.enabled': 'true', 'projection.dt.type': 'date', 'projection.dt.format': 'yyyy-MM-dd', 'projection.dt.range': expect.any(String) })
  })

  it('dead letters: NDJSON with the JSON SerDe, the DDL columns, projected like the others', () => {
    const t = glueTable(DEAD_LETTER_TABLE.name)
    expect(t.StorageDescriptor.Columns).toEqual(athenaColumns(DEAD_LETTER_TABLE).map((c) => ({ Name: c.name, Type: c.type, Comment: c.comment })))
    expect(t.StorageDescriptor.SerdeInfo?.SerializationLibrary).toBe('org.openx.data.jsonserde.JsonSerDe')
    expect(t.StorageDescriptor.Location).toEqual(locationOf(DEAD_LETTER_TABLE.folder))
    expect(t.Parameters['projection.enabled']).toBe('true')
  })

  it.each(DEDUPED_TABLES)('%s_deduped: an Athena (Presto) view of the DDL view body, columns in Trino types', (name) => {
    const v = glueTable(dedupedViewName(name))
    expect(v.TableType).toBe('VIRTUAL_VIEW')
    expect(v.Parameters).toEqual({ presto_view: 'true', comment: 'Presto View' })
    expect(v.ViewExpandedText).toBe('/* Presto View */')
    const encoded = /^\/\* Presto View: ([A-Za-z0-9+/=]+) \*\/$/.exec(v.ViewOriginalText ?? '')
    expect(encoded).not.toBeNull()
    const definition = JSON.parse(Buffer.from(encoded![1]!, 'base64').toString('utf8')) as { originalSql: string; catalog: string; schema: string; columns: { name: string; type: string }[] }
    expect(definition.originalSql).toBe(dedupedViewBody(TABLES[name]))
    expect(definition.catalog).toBe('awsdatacatalog')
    expect(definition.schema).toBe(DEFAULTS.databaseName)
    const columns = [...athenaColumns(TABLES[name]).map((c) => c.name), PARTITION.name]
    expect(definition.columns.map((c) => c.name)).toEqual(columns)
    expect(v.StorageDescriptor.Columns.map((c) => c.Name)).toEqual(columns)
    const trino = Object.fromEntries(definition.columns.map((c) => [c.name, c.type]))
    expect(trino).toMatchObject({ job_id: 'varchar', dt: 'date' })
    if (name === 'jobs') expect(trino).toMatchObject({ attempts: 'integer', vcpu_seconds: 'double', stopped_at: 'timestamp(3)', is_array_parent: 'boolean', tags: 'map(varchar, varchar)' })
  })
})

describe('Athena workgroup and named queries', () => {
  it('enforces its result location in the bucket, KMS encryption and the per-query scan cutoff', () => {
    const [keyId] = Object.entries(resources).find(([, r]) => r.Type === 'AWS::KMS::Key')!
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: DEFAULTS.workGroupName,
      RecursiveDeleteOption: true,
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: DEFAULTS.bytesScannedCutoffPerQuery,
        PublishCloudWatchMetricsEnabled: true,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        ResultConfiguration: { OutputLocation: locationOf('athena-results'), EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: { 'Fn::GetAtt': [keyId, 'Arn'] } } },
      },
    })
  })

  it('saves every canned report as a named query with its SQL text, in the workgroup and database', () => {
    const saved = ofType('AWS::Athena::NamedQuery').map((r) => r.Properties)
    for (const report of listReports()) {
      const r = loadReport(report)
      expect(saved, report).toContainEqual({ Name: namedQueryName(report), Description: (r.description || r.title).slice(0, 1024), QueryString: r.sql, Database: DEFAULTS.databaseName, WorkGroup: DEFAULTS.workGroupName })
    }
    expect(saved.filter((q) => String(q.Name).startsWith('batchmeter setup:')).map((q) => q.QueryString)).toHaveLength(DEDUPED_TABLES.length)
    // Created after the workgroup they name (a name, not a reference, so the dependency is explicit).
    const [workGroupId] = Object.entries(resources).find(([, r]) => r.Type === 'AWS::Athena::WorkGroup')!
    for (const q of ofType('AWS::Athena::NamedQuery')) expect(q.DependsOn).toContain(workGroupId)
  })
})

describe('scheduled reports', () => {
  it('EventBridge Scheduler invokes the report function weekly (UTC) with the period and scheduled time, retries and a DLQ', () => {
    const [fnId] = Object.entries(resources).find(([, r]) => r.Type === 'AWS::Lambda::Function' && String(r.Properties.Description).includes('scheduled reports'))!
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(15 6 ? * MON *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      Target: {
        Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
        Input: JSON.stringify({ period: 'weekly', time: '<aws.scheduler.scheduled-time>' }),
        RetryPolicy: { MaximumRetryAttempts: 3 },
      },
    })
    const schedule = ofType('AWS::Scheduler::Schedule')[0]!.Properties.Target as { DeadLetterConfig?: unknown }
    expect(schedule.DeadLetterConfig).toBeDefined()
  })

  it('gives the report function the environment its handler reads and the canned SQL beside the bundle', () => {
    const [, fn] = Object.entries(resources).find(([, r]) => r.Type === 'AWS::Lambda::Function' && String(r.Properties.Description).includes('scheduled reports'))!
    const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables
    expect(Object.keys(env).sort()).toEqual(['BATCHMETER_ATHENA_DATABASE', 'BATCHMETER_ATHENA_WORKGROUP', 'BATCHMETER_BUCKET', 'BATCHMETER_PREFIX', 'NODE_OPTIONS'])
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Timeout: 900 })
    expect(REPORT_HANDLER).toMatchObject({ entry: 'queries/lambda/reportHandler.ts', copyFiles: [{ from: 'queries/reports', to: 'reports' }] })
  })
})

describe('dashboard and alarms', () => {
  const metrics = resolveMetricsConfig()

  it("the dashboard is buildDashboard's body", () => {
    const [, dashboard] = Object.entries(resources).find(([, r]) => r.Type === 'AWS::CloudWatch::Dashboard')!
    const body = dashboard.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] }
    // The region is the stack's (a token here): put a marker in both and compare the JSON.
    const rendered = body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'REGION')).join('')
    expect(JSON.parse(rendered)).toEqual(buildDashboard({ config: metrics, region: 'REGION' }))
  })

  it('has every alarm buildAlarms generates for the named queues (not prefixes), notifying the alarm topic', () => {
    const [topicId] = Object.entries(resources).find(([, r]) => r.Type === 'AWS::SNS::Topic' && r.Properties.DisplayName === 'batchmeter alarms')!
    const expected = buildAlarms({ config: metrics, queues: ['prod-gpu', 'prod-cpu'], namePrefix: DEFAULTS.namePrefix, alarmActions: ['TOPIC'] })
    expect(expected.map((a) => a.AlarmName)).toContain('batchmeter-prod-gpu-runnable-backlog')
    const alarms = ofType('AWS::CloudWatch::Alarm').map((r) => r.Properties)
    for (const input of expected) {
      // CloudFormation's alarm properties carry PutMetricAlarm's own field names: the template holds the input as generated.
      const want = JSON.parse(JSON.stringify(input).replaceAll('"TOPIC"', JSON.stringify({ Ref: topicId }))) as Record<string, unknown>
      expect(alarms.find((a) => a.AlarmName === input.AlarmName), input.AlarmName).toEqual(want)
    }
    expect(alarms.some((a) => String(a.AlarmName).includes('dev-'))).toBe(false)
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: topicId } })
  })

  it('also alarms on dead-letter and on-failure queues, consumer errors and undeliverable events', () => {
    const names = ofType('AWS::CloudWatch::Alarm').map((r) => String(r.Properties.AlarmName))
    for (const n of ['rule-dead-letters-not-empty', 'consumer-on-failure-not-empty', 'reports-dead-letters-not-empty', 'consumer-errors', 'rule-failed-invocations']) expect(names).toContain(`batchmeter-${n}`)
  })

  it('narrows the rule to the given queues: exact ARN, name suffix, name-prefix wildcard', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.batch'],
        detail: { jobQueue: [{ suffix: ':job-queue/prod-gpu' }, 'arn:aws:batch:eu-west-1:123456789012:job-queue/prod-cpu', { wildcard: 'arn:*:batch:*:*:job-queue/dev-*' }] },
      },
    })
  })
})
