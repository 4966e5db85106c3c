/** Limits of one request: how many items and how many bytes it may carry. */
export interface BatchLimits {
  maxItems: number
  maxBytes: number
}

/**
 * Splits items, in order, into consecutive batches within `limits` (an item larger than
 * `maxBytes` goes alone; callers reject those first). Used for every batched AWS write
 * (PutRecords, PutMetricData).
 */
export function packBatches<T>(items: Iterable<T>, sizeOf: (item: T) => number, limits: BatchLimits): T[][] {
  const batches: T[][] = []
  let current: T[] = []
  let bytes = 0
  for (const item of items) {
    const size = sizeOf(item)
    if (current.length === limits.maxItems || (current.length > 0 && bytes + size > limits.maxBytes)) {
      batches.push(current)
      current = []
      bytes = 0
    }
    current.push(item)
    bytes += size
  }
  if (current.length > 0) batches.push(current)
  return batches
}
