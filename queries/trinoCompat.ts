/**
 * The Trino (Athena engine v3) functions DuckDB lacks, as DuckDB macros with the same
 * name and meaning, so one SQL text runs on both engines. The local engine creates them
 * at start. One place: add a function here when a canned query needs it, never rewrite
 * the query for DuckDB.
 *
 * Differences that remain: `approx_percentile` is exact on DuckDB (interpolated
 * `quantile_cont`) and approximate on Athena, so the two can differ slightly;
 * `from_unixtime` returns a UTC `timestamp` here and `timestamp with time zone` on Trino.
 */
export interface TrinoCompatMacro {
  /** The Trino function name. */
  name: string
  /** Parameter names of the macro. */
  params: readonly string[]
  /** DuckDB expression over the parameters. */
  body: string
}

export const TRINO_COMPAT_MACROS: readonly TrinoCompatMacro[] = [
  { name: 'approx_percentile', params: ['x', 'p'], body: 'quantile_cont(x, p)' },
  { name: 'approx_distinct', params: ['x'], body: 'approx_count_distinct(x)' },
  { name: 'to_unixtime', params: ['ts'], body: 'epoch(ts)' },
  { name: 'from_unixtime', params: ['s'], body: 'make_timestamp(CAST(round(s * 1000000) AS BIGINT))' },
  { name: 'regexp_like', params: ['s', 'pattern'], body: 'regexp_matches(s, pattern)' },
]

/** The `CREATE OR REPLACE MACRO` statements for DuckDB. */
export const trinoCompatStatements = (macros: readonly TrinoCompatMacro[] = TRINO_COMPAT_MACROS): string[] =>
  macros.map((m) => `CREATE OR REPLACE MACRO ${m.name}(${m.params.join(', ')}) AS ${m.body}`)
