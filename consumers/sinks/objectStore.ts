/** Where output files go: S3 in production, a folder for `batchmeter ingest`. */
export interface ObjectStore {
  /** A human-readable location for logs, e.g. `s3://bucket` or a folder path. */
  readonly location: string
  put(key: string, body: Uint8Array, contentType?: string): Promise<void>
  get(key: string): Promise<Uint8Array | undefined>
  delete(key: string): Promise<void>
  list(prefix: string): AsyncIterable<{ key: string; size: number }>
}

/** Rejects keys that could escape their prefix once mirrored to a folder or shown in a path. */
export function assertSafeKey(key: string): void {
  if (key.length === 0 || key.startsWith('/') || key.includes('\\') || key.includes('\0') || key.split('/').some((seg) => seg === '..' || seg === '.' || seg === '')) {
    throw new Error(`unsafe object key ${JSON.stringify(key)}: keys must be relative, without empty, '.' or '..' segments`)
  }
}

/** Keeps an id usable as one key segment: letters, digits, '.', '_', '-' (others become '_'). */
export const safeSegment = (id: string): string => id.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || '_'
