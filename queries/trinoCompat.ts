/**
 * The Trino (Athena engine v3) functions DuckDB lacks, as DuckDB macros with the same
 * name and meaning, so one SQL text runs on both engines. The local engine creates them
 * at start. One place: add a function here when a canned query needs it, never rewrite
 * the query for DuckDB.
 *
 * Differences that remain: `approx_percentile` is exact on DuckDB (interpolated
 * `quantile_cont`) and approximate on Athena, so the two can differ slightly;
 * `from_unixtime` returns a UTC `timestamp` here and `timestamp with time zone` on Trino;
 * `date_add` on a DATE returns a TIMESTAMP here (a DATE on Trino).
 *
 * Not mapped, so canned SQL avoids them: `cardinality` (DuckDB's takes maps only, and a
 * macro cannot take both lists and maps), Java-style
 * `format_datetime`/`parse_datetime` patterns, and `regexp_replace` (DuckDB replaces the
 * first match unless given 'g'; patterns in canned SQL match at most once).
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
  { name: 'from_iso8601_timestamp', params: ['s'], body: 'CAST(CAST(s AS TIMESTAMPTZ) AS TIMESTAMP)' },
  { name: 'json_extract_scalar', params: ['j', 'path'], body: 'json_extract_string(j, path)' },
  // DuckDB's element_at on a map returns a one-element list; subscript gives the value (NULL
  // when missing) for maps, and for arrays the element (1-based, negative from the end, NULL
  // out of range): Trino's element_at for both.
  { name: 'element_at', params: ['x', 'k'], body: 'x[k]' },
  {
    name: 'date_add',
    params: ['unit', 'n', 'ts'],
    body:
      "ts + CASE lower(unit) WHEN 'millisecond' THEN to_milliseconds(n) WHEN 'second' THEN to_seconds(n) WHEN 'minute' THEN to_minutes(n) " +
      "WHEN 'hour' THEN to_hours(n) WHEN 'day' THEN to_days(n) WHEN 'week' THEN to_weeks(n) WHEN 'month' THEN to_months(n) " +
      "WHEN 'quarter' THEN to_months(3 * n) WHEN 'year' THEN to_years(n) END",
  },
]

/** The `CREATE OR REPLACE MACRO` statements for DuckDB. */
export const trinoCompatStatements = (macros: readonly TrinoCompatMacro[] = TRINO_COMPAT_MACROS): string[] =>
  macros.map((m) => `CREATE OR REPLACE MACRO ${m.name}(${m.params.join(', ')}) AS ${m.body}`)
