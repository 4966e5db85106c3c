/**
 * Encodes many short strings into a few large buffers: one allocation per chunk
 * instead of one per record. Chunks double in size (4 MiB up to 1 GiB): V8 runs a
 * full garbage collection for about every 64 MiB of new external memory, so a
 * million records in 4 MiB chunks would cost dozens of full GCs of a large heap.
 * Each result is a view into a shared chunk, never rewritten.
 */
export function createByteArena(firstChunkBytes = 4 << 20, maxChunkBytes = 1 << 30): (text: string) => Uint8Array {
  let size = firstChunkBytes
  let chunk = Buffer.allocUnsafeSlow(size)
  let used = 0
  return (text) => {
    // UTF-8 needs at most 3 bytes per UTF-16 unit; only measure exactly when space is short.
    const room = chunk.length - used
    if (text.length * 3 > room) {
      const need = Buffer.byteLength(text)
      if (need > room) {
        size = Math.min(maxChunkBytes, size * 2)
        chunk = Buffer.allocUnsafeSlow(Math.max(size, need))
        used = 0
      }
    }
    const n = chunk.write(text, used)
    const out = chunk.subarray(used, used + n)
    used += n
    return out
  }
}
