/**
 * Glue table inputs for the Athena tables and views, derived from the same helpers
 * that write the Athena DDL (queries/ddl/tableDdl.ts): columns from `athenaColumns`,
 * partition projection from `projectionProperties`, view text from `dedupedViewBody`.
 * Nothing here lists a column or a projection property of its own.
 */
import type { CfnTable } from 'aws-cdk-lib/aws-glue'
import type { TableSpec } from '../core/tables.js'
import { DEAD_LETTER_TABLE } from '../queries/ddl/deadLetterTable.js'
import { type AthenaColumn, PARTITION, athenaColumns, dedupedViewBody, projectionProperties, tableLocation } from '../queries/ddl/tableDdl.js'

/** Parquet, as `STORED AS PARQUET` means in Athena. */
export const PARQUET_FORMAT = {
  inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', parameters: { 'serialization.format': '1' } },
} as const

/** NDJSON read with the OpenX JSON SerDe, as the dead-letter table's DDL says. */
export const JSON_LINES_FORMAT = {
  inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
  serdeInfo: { serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe', parameters: { 'ignore.malformed.json': 'true' } },
} as const

const PLACEHOLDER_BUCKET = 'batchmeter-placeholder-bucket'

/**
 * `s3://<bucket>/<prefix>/<folder>/` through the DDL's own `tableLocation` (so the
 * prefix rule and the checks are the same), for a bucket name that may be a CDK token.
 */
export function tableLocationOf(bucketName: string, prefix: string, folder: string): string {
  const location = tableLocation(PLACEHOLDER_BUCKET, prefix, folder)
  return `s3://${bucketName}/${location.slice(`s3://${PLACEHOLDER_BUCKET}/`.length)}`
}

const glueColumns = (columns: readonly AthenaColumn[]): CfnTable.ColumnProperty[] => columns.map((c) => ({ name: c.name, type: c.type, comment: c.comment }))

const PARTITION_KEYS: CfnTable.ColumnProperty[] = [{ name: PARTITION.name, type: PARTITION.type, comment: 'UTC date (partition, projected)' }]

/** An external Parquet table with partition projection on `dt`. */
export function parquetTableInput(spec: TableSpec, bucketName: string, prefix: string): CfnTable.TableInputProperty {
  const location = tableLocationOf(bucketName, prefix, spec.name)
  return {
    name: spec.name,
    description: `batchmeter ${spec.name} (core/tables.ts)`,
    tableType: 'EXTERNAL_TABLE',
    parameters: { ...projectionProperties(location), EXTERNAL: 'TRUE', classification: 'parquet', 'parquet.compression': 'SNAPPY', 'batchmeter.table': spec.name },
    partitionKeys: PARTITION_KEYS,
    storageDescriptor: { columns: glueColumns(athenaColumns(spec)), location, ...PARQUET_FORMAT },
  }
}

/** The dead-letter NDJSON table, partitioned and projected like the others. */
export function deadLetterTableInput(bucketName: string, prefix: string): CfnTable.TableInputProperty {
  const location = tableLocationOf(bucketName, prefix, DEAD_LETTER_TABLE.folder)
  return {
    name: DEAD_LETTER_TABLE.name,
    description: 'batchmeter dead letters: records that did not decode or validate',
    tableType: 'EXTERNAL_TABLE',
    parameters: { ...projectionProperties(location), EXTERNAL: 'TRUE', classification: 'json', 'batchmeter.table': DEAD_LETTER_TABLE.name },
    partitionKeys: PARTITION_KEYS,
    storageDescriptor: { columns: glueColumns(athenaColumns(DEAD_LETTER_TABLE)), location, ...JSON_LINES_FORMAT },
  }
}

/** Trino's name for a Glue (Hive) type, as an Athena view records its columns. */
export function trinoType(hiveType: string): string {
  const map = /^map<(.+),(.+)>$/.exec(hiveType)
  if (map) return `map(${trinoType(map[1]!)}, ${trinoType(map[2]!)})`
  const scalar: Record<string, string> = { string: 'varchar', int: 'integer', bigint: 'bigint', double: 'double', boolean: 'boolean', date: 'date', timestamp: 'timestamp(3)' }
  const t = scalar[hiveType]
  if (t === undefined) throw new RangeError(`no Trino type known for Glue type ${hiveType}`)
  return t
}

/**
 * A view as Athena itself stores one in Glue: a VIRTUAL_VIEW whose original text is
 * `/* Presto View: <base64 JSON> *\/` holding the SQL, the catalog and schema it
 * resolves names in, and its columns in Trino types.
 */
export function prestoViewInput(name: string, sql: string, database: string, columns: readonly AthenaColumn[], description: string): CfnTable.TableInputProperty {
  const definition = { originalSql: sql, catalog: 'awsdatacatalog', schema: database, columns: columns.map((c) => ({ name: c.name, type: trinoType(c.type) })) }
  return {
    name,
    description,
    tableType: 'VIRTUAL_VIEW',
    parameters: { presto_view: 'true', comment: 'Presto View' },
    viewOriginalText: `/* Presto View: ${Buffer.from(JSON.stringify(definition), 'utf8').toString('base64')} */`,
    viewExpandedText: '/* Presto View */',
    storageDescriptor: { columns: glueColumns(columns), serdeInfo: {} },
  }
}

/** A table's dedupe view (`<table>_deduped`): the DDL's view body, with the partition column last. */
export function dedupedViewInput(spec: TableSpec, viewName: string, database: string): CfnTable.TableInputProperty {
  const columns: AthenaColumn[] = [...athenaColumns(spec), { name: PARTITION.name, type: PARTITION.type, comment: 'UTC date (partition)' }]
  return prestoViewInput(viewName, dedupedViewBody(spec), database, columns, `batchmeter: ${spec.name} with duplicates removed (reports read this)`)
}
