import { describe, expect, it } from 'vitest'
import { renderRows } from '../queries/render/renderTable.js'

const rows = [
  { job_queue: 'gpu', jobs: 3, vcpu_hours: 7, avg_wait_s: 20.125, tags: { team: 'ml' }, note: null },
  { job_queue: 'fargate', jobs: 12, vcpu_hours: 0.5, avg_wait_s: 100, tags: null, note: 'ok' },
]

describe('renderRows: table', () => {
  it('right-aligns numbers and prints fractional columns with 2 decimals', () => {
    const lines = renderRows(rows, 'table').split('\n')
    const gpu = lines.find((l) => l.includes('gpu')) ?? ''
    const fargate = lines.find((l) => l.includes('fargate')) ?? ''
    expect(gpu).toMatch(/│ +3 │ +7\.00 │ +20\.13 │ \{"team":"ml"\} +│ +│/)
    expect(fargate).toMatch(/│ +12 │ +0\.50 │ +100\.00 │/)
    // Right-aligned: the numbers end at the same column.
    expect(gpu.indexOf('3 │')).toBe(fargate.indexOf('12 │') + 1)
  })

  it('strips escape sequences and control characters from cells and headers', () => {
    const out = renderRows([{ 'na\x1b[1mme': 'red\x1b[31m alert\x1b[0m\x07', multi: 'line1\nline2\ttab', osc: '\x1b]0;title\x07x' }], 'table')
    // Only the \n between lines remains.
    expect([...out].filter((ch) => ch !== '\n' && (ch < ' ' || (ch >= '\x7f' && ch <= '\x9f')))).toEqual([])
    expect(out).toContain('red alert')
    expect(out).toContain('line1 line2 tab')
    expect(out).toContain('name')
    expect(out).not.toContain('[31m')
    expect(out).not.toContain('title')
  })

  it('says when there are no rows', () => {
    expect(renderRows([], 'table')).toBe('(no rows)')
  })
})

describe('renderRows: json', () => {
  it('is a JSON array of the row objects', () => {
    expect(JSON.parse(renderRows(rows, 'json'))).toEqual(rows)
    expect(JSON.parse(renderRows([{ big: 2n ** 60n, small: 5n }], 'json'))).toEqual([{ big: '1152921504606846976', small: 5 }])
    expect(renderRows([], 'json')).toBe('[]')
  })
})

describe('renderRows: csv', () => {
  it('quotes per RFC 4180 with CRLF line ends', () => {
    const out = renderRows([{ a: 'plain', b: 'with, comma', c: 'say "hi"', d: 'two\nlines', e: null, f: 1.5 }], 'csv')
    expect(out).toBe('a,b,c,d,e,f\r\nplain,"with, comma","say ""hi""","two\nlines",,1.5\r\n')
  })

  it.each([
    ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
    ['+1+2', "'+1+2"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
    ['\r=1', `"'\r=1"`],
  ])('neutralises the formula %j', (cell, expected) => {
    expect(renderRows([{ cell }], 'csv')).toBe(`cell\r\n${expected}\r\n`)
  })

  it('leaves numbers, even negative ones, as numbers', () => {
    expect(renderRows([{ n: -3, x: 2.25 }], 'csv')).toBe('n,x\r\n-3,2.25\r\n')
  })

  it('neutralises header names too', () => {
    expect(renderRows([{ '=cmd': 1 }], 'csv')).toBe("'=cmd\r\n1\r\n")
  })
})

it('rejects an unknown format', () => {
  expect(() => renderRows(rows, 'xml' as 'csv')).toThrow(/Unknown output format "xml"; use one of table, json, csv/)
})
