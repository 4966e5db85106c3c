/**
 * Key layout helpers for IAM resources and S3 URIs: the same prefix rule as the
 * writers (`consumers/sinks/planOutputFiles.ts`): leading and trailing slashes
 * dropped, '' for none.
 */
import { BatchmeterError, ErrorCode } from '../core/errors.js'

/** Letters, digits, . _ - / only, as `core/config.ts` accepts for `prefix`. */
const PREFIX = /^[A-Za-z0-9._\-/]*$/

/** `''` or `'<prefix>/'`, ready to put in front of a folder name. */
export function keyPrefix(prefix: string): string {
  if (!PREFIX.test(prefix)) {
    throw new BatchmeterError(ErrorCode.Config, `prefix "${prefix}" may hold letters, digits, . _ - / only`, { context: { prefix } })
  }
  const p = prefix.replace(/^\/+|\/+$/g, '')
  return p ? `${p}/` : ''
}

/** `<prefix>/<folder>/` (or `<folder>/`). */
export const folderKey = (prefix: string, folder: string): string => `${keyPrefix(prefix)}${folder}/`
