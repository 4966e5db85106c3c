import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api'

/** A result column as Athena describes it (`ResultSetMetadata.ColumnInfo`): name and Trino type name. */
export interface ResultColumn {
  name: string
  type: string
}

const ATHENA_NAME: Partial<Record<DuckDBTypeId, string>> = {
  [DuckDBTypeId.VARCHAR]: 'varchar',
  [DuckDBTypeId.BOOLEAN]: 'boolean',
  [DuckDBTypeId.TINYINT]: 'tinyint',
  [DuckDBTypeId.SMALLINT]: 'smallint',
  [DuckDBTypeId.INTEGER]: 'integer',
  [DuckDBTypeId.BIGINT]: 'bigint',
  [DuckDBTypeId.HUGEINT]: 'bigint',
  [DuckDBTypeId.UTINYINT]: 'smallint',
  [DuckDBTypeId.USMALLINT]: 'integer',
  [DuckDBTypeId.UINTEGER]: 'bigint',
  [DuckDBTypeId.UBIGINT]: 'bigint',
  [DuckDBTypeId.FLOAT]: 'real',
  [DuckDBTypeId.DOUBLE]: 'double',
  [DuckDBTypeId.DECIMAL]: 'decimal',
  [DuckDBTypeId.DATE]: 'date',
  [DuckDBTypeId.TIMESTAMP]: 'timestamp',
  [DuckDBTypeId.TIMESTAMP_MS]: 'timestamp',
  [DuckDBTypeId.TIMESTAMP_S]: 'timestamp',
  [DuckDBTypeId.TIMESTAMP_NS]: 'timestamp',
  [DuckDBTypeId.TIMESTAMP_TZ]: 'timestamp with time zone',
  [DuckDBTypeId.LIST]: 'array',
  [DuckDBTypeId.ARRAY]: 'array',
  [DuckDBTypeId.MAP]: 'map',
  [DuckDBTypeId.STRUCT]: 'row',
  [DuckDBTypeId.INTERVAL]: 'interval day to second',
  [DuckDBTypeId.TIME]: 'time',
  [DuckDBTypeId.UUID]: 'uuid',
  [DuckDBTypeId.BLOB]: 'varbinary',
}

/** The Athena (Trino) type name of a DuckDB result type; `varchar` for anything unusual. */
export const athenaTypeOf = (type: DuckDBType): string => ATHENA_NAME[type.typeId] ?? 'varchar'
