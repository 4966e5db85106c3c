import { describe, expect, it } from 'vitest'
import { createByteArena } from './createByteArena.js'

describe('createByteArena', () => {
  it('encodes strings as UTF-8 views that later writes never touch, across chunks', () => {
    const encode = createByteArena(64, 256)
    const texts = ['{"a":1}', 'héllo €', 'x'.repeat(100), '', 'y'.repeat(1000), '{"b":2}']
    const views = texts.map((t) => encode(t))
    views.forEach((v, i) => expect(Buffer.from(v).toString('utf8')).toBe(texts[i]))
  })
})
