import { mkdir, readFile, readdir, rm, stat, writeFile, rename } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { type ObjectStore, assertSafeKey } from './objectStore.js'

/** An ObjectStore on a local folder: keys are relative paths under it. */
export function createDirObjectStore(dir: string): ObjectStore {
  const pathOf = (key: string): string => {
    assertSafeKey(key)
    return join(dir, ...key.split('/'))
  }
  return {
    location: dir,
    async put(key, body) {
      const path = pathOf(key)
      await mkdir(dirname(path), { recursive: true })
      // Write then rename, so a reader never sees half a file.
      const tmp = `${path}.tmp-${process.pid}`
      await writeFile(tmp, body)
      await rename(tmp, path)
    },
    async get(key) {
      try {
        return new Uint8Array(await readFile(pathOf(key)))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw error
      }
    },
    async delete(key) {
      await rm(pathOf(key), { force: true })
    },
    async *list(prefix) {
      const walk = async function* (d: string): AsyncGenerator<string> {
        let entries
        try {
          entries = await readdir(d, { withFileTypes: true })
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
          throw error
        }
        for (const e of entries) {
          const p = join(d, e.name)
          if (e.isDirectory()) yield* walk(p)
          else if (e.isFile() && !e.name.includes('.tmp-')) yield p
        }
      }
      for await (const path of walk(dir)) {
        const key = relative(dir, path).split(sep).join('/')
        if (key.startsWith(prefix)) yield { key, size: (await stat(path)).size }
      }
    },
  }
}
