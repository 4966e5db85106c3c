import type { Column } from '../../core/tables.js'

/**
 * The dead-letter NDJSON line (consumers/pipeline/deadLetter.ts) as a table: one
 * definition for the local engine's view and the Athena DDL (JSON SerDe).
 */
export const DEAD_LETTER_TABLE = {
  name: 'dead_letters',
  /** Folder (key segment) below the prefix. */
  folder: 'dead-letter',
  columns: [
    { name: 'reason', type: 'string', doc: 'why the record could not be used' },
    { name: 'field', type: 'string', doc: 'the field at fault, or (json) / (record)' },
    { name: 'shard', type: 'string', doc: 'Kinesis shard id (or input file)' },
    { name: 'sequence', type: 'string', doc: 'Kinesis sequence number (or line number)' },
    { name: 'sub_sequence', type: 'int', doc: 'KPL sub-sequence number, or null' },
    { name: 'received_at', type: 'timestamp', doc: 'when the consumer read it (UTC)' },
    { name: 'data_base64', type: 'string', doc: 'the raw bytes, base64' },
  ] satisfies readonly Column[],
} as const
