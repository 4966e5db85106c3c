/** A record that could not be decoded or validated, kept whole with its reason. */
export interface DeadLetter {
  reason: string
  /** The field at fault, when one is ('(json)' for bad JSON, '(kpl)' for a bad aggregate). */
  field: string | null
  shard: string
  sequence: string
  subSequence: number | null
  /** Processing time, epoch ms. */
  receivedAt: number
  dataBase64: string
}

/** The NDJSON line stored under `dead-letter/dt=…/`. */
export function deadLetterLine(d: DeadLetter): string {
  return JSON.stringify({
    reason: d.reason,
    field: d.field,
    shard: d.shard,
    sequence: d.sequence,
    sub_sequence: d.subSequence,
    received_at: new Date(d.receivedAt).toISOString(),
    data_base64: d.dataBase64,
  })
}
