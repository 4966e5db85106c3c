/**
 * Encodes many short strings into a few large buffers: one allocation per few
 * megabytes instead of one per record, which keeps a million records cheap for the
 * garbage collector. Each result is a view into a shared chunk, never rewritten.
 */
export function createByteArena(chunkBytes = 4 << 20): (text: string) => Uint8Array {
  let chunk = Buffer.allocUnsafeSlow(chunkBytes)
  let used = 0
  return (text) => {
    // UTF-8 needs at most 3 bytes per UTF-16 unit; only measure exactly when space is short.
    const room = chunk.length - used
    if (text.length * 3 > room) {
      const need = Buffer.byteLength(text)
      if (need > room) {
        chunk = Buffer.allocUnsafeSlow(Math.max(chunkBytes, need))
        used = 0
      }
    }
    const n = chunk.write(text, used)
    const out = chunk.subarray(used, used + n)
    used += n
    return out
  }
}
