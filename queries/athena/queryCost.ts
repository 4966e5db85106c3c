/** Athena SQL pricing: $5 per TB scanned, bytes rounded up to the megabyte, 10 MB minimum per query (DDL and failed queries are free). */
export const ATHENA_PRICE = { usdPerTb: 5, minimumBytes: 10 * 1024 * 1024, roundToBytes: 1024 * 1024, bytesPerTb: 1024 ** 4 } as const

/** What Athena bills for a query that scanned `bytes`. */
export function athenaQueryCost(bytes: number, statementType: string | undefined = 'DML'): number {
  if (statementType === 'DDL') return 0
  const billed = Math.max(ATHENA_PRICE.minimumBytes, Math.ceil(bytes / ATHENA_PRICE.roundToBytes) * ATHENA_PRICE.roundToBytes)
  return (billed / ATHENA_PRICE.bytesPerTb) * ATHENA_PRICE.usdPerTb
}

/** `12.3 MB` style, for the scanned-bytes line. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let v = bytes
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`
}
