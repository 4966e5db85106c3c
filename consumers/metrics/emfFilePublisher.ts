import { type FileHandle, open } from 'node:fs/promises'
import { BatchmeterError, ErrorCode } from '../../core/errors.js'
import { createEmfPublisher } from './emfPublisher.js'
import type { MetricsPublisher } from './metricsPublisher.js'

export interface EmfFilePublisherOptions {
  /** The file to (over)write, one EMF document per line. */
  path: string
  namespace: string
  now?: () => number
}

/** EMF lines into a file (`--metrics-out`): what a Lambda would print, readable without an AWS account. */
export function createEmfFilePublisher({ path, namespace, now }: EmfFilePublisherOptions): MetricsPublisher {
  let file: Promise<FileHandle> | undefined
  const handle = (): Promise<FileHandle> =>
    (file ??= open(path, 'w').catch((error: unknown) => {
      throw new BatchmeterError(ErrorCode.Metrics, `cannot write metrics to ${path}: ${(error as Error).message}; check the folder exists and is writable`, { cause: error, context: { path } })
    }))
  const emf = createEmfPublisher({ namespace, now, write: async (text) => void (await (await handle()).write(text)) })
  return {
    publish: (data) => emf.publish(data),
    async close() {
      // Create the file even when nothing was published, so "no metrics" is visible.
      const f = await handle()
      file = Promise.reject(new BatchmeterError(ErrorCode.Metrics, `metrics file ${path} is closed`))
      file.catch(() => undefined)
      await f.close()
    },
  }
}
