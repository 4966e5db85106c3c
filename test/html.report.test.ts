import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ingestFile } from '../consumers/ingestFile.js'
import { encodeParquet } from '../consumers/sinks/encodeParquet.js'
import { createDirObjectStore } from '../consumers/sinks/dirObjectStore.js'
import { DEFAULT_PRICES } from '../core/priceTable.js'
import { TABLES } from '../core/tables.js'
import { generateWorkload, type Workload } from '../producers/generator/generateWorkload.js'
import { writeNdjson } from '../producers/ndjsonFile.js'
import { renderHtmlReport } from '../queries/html/renderHtmlReport.js'
import { createLocalEngine } from '../queries/localEngine.js'
import { listReports } from '../queries/loadReport.js'
import { localReportEngine } from '../queries/reportEngine.js'
import { reportNames, runReports, type ReportBundle } from '../queries/runReports.js'
import { jobRow } from './helpers/tableRows.js'

/** Debian's Chromium (.ci/run installs it); never a downloaded browser. */
const CHROMIUM = process.env.BATCHMETER_CHROMIUM ?? '/usr/bin/chromium'
const HOSTILE_QUEUE = '<img src=x onerror="window.__pwned=1">q'
/** Where the screenshot is kept for people to look at. */
export const SCREENSHOT = join(tmpdir(), 'batchmeter-html-report.png')

let dir: string
let workload: Workload
let bundle: ReportBundle
let browser: Browser

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`).toBe(true)
  dir = await mkdtemp(join(tmpdir(), 'bm-html-'))
  workload = generateWorkload({ jobs: 700, seed: 9 })
  await writeNdjson(join(dir, 'events.ndjson'), workload.records)
  const data = join(dir, 'data')
  await ingestFile({ input: join(dir, 'events.ndjson'), store: createDirObjectStore(data) })
  // A queue name that is markup: it must show as text and never run.
  await mkdir(join(data, 'jobs', 'dt=2026-11-30'), { recursive: true })
  const stopped = Date.parse('2026-11-30T12:00:00Z')
  await writeFile(join(data, 'jobs', 'dt=2026-11-30', 'hostile.parquet'), encodeParquet(TABLES.jobs, [jobRow({ job_id: 'hostile', job_queue: HOSTILE_QUEUE, stopped_at: stopped, started_at: stopped - 60_000, created_at: stopped - 90_000 })]))
  const engine = await createLocalEngine({ dataDir: data })
  try {
    bundle = await runReports(localReportEngine(engine), reportNames('all'), { from: '2026-11-30', to: '2026-12-02', prices: DEFAULT_PRICES }, { now: () => new Date('2026-12-03T06:00:00Z') })
  } finally {
    await engine.close()
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // launch() gives the browser a fresh temporary profile (user data dir) of its own.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
})
afterAll(async () => {
  await browser?.close()
  await rm(dir, { recursive: true, force: true })
})

describe('the HTML report in a real headless Chromium', () => {
  it('is self-contained, shows every report with its chart and table, and escapes the data', async () => {
    const file = join(dir, 'report.html')
    await writeFile(file, renderHtmlReport(bundle))
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const requests: string[] = []
    const problems: string[] = []
    page.on('request', (r) => requests.push(r.url()))
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()))
    page.on('pageerror', (e) => problems.push(e.message))
    await page.goto(pathToFileURL(file).href)

    // Nothing but the file itself is fetched: no network at view time.
    expect(requests).toEqual([pathToFileURL(file).href])
    expect(problems).toEqual([])
    expect(await page.title()).toBe('batchmeter report · 2026-11-30 to 2026-12-02')

    // One section per report plus the prices, each with a heading.
    const ids = await page.locator('main section').evaluateAll((s) => s.map((e) => e.id))
    expect(ids).toEqual([...reportNames('all'), 'prices'])
    expect([...ids].sort()).toEqual([...listReports(), 'prices'].sort())
    // Charts render as visible SVG with marks.
    for (const id of ['usage-by-queue', 'cost-by-queue', 'usage-by-day', 'backlog', 'wait-time-percentiles']) {
      const svg = page.locator(`#${id} .chart svg`).last()
      const box = await svg.boundingBox()
      expect(box?.width, id).toBeGreaterThan(300)
      expect(box?.height, id).toBeGreaterThan(60)
      expect(await page.locator(`#${id} .chart svg [aria-label]`).count(), id).toBeGreaterThan(0)
    }
    // The table shows the numbers: jobs per queue equal the generator's truth.
    const usage = await page.locator('#usage-by-queue table tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)))
    const truth = workload.truth.queues['ondemand-ec2']!
    expect(usage.find((cells) => cells[0] === 'ondemand-ec2')?.[1]).toBe(truth.jobs.toLocaleString('en-US'))
    // Cost is labelled an estimate; the price table shows its sources.
    await expect(page.locator('#cost-by-queue h2').textContent()).resolves.toMatch(/estimate/)
    await expect(page.locator('#prices').textContent()).resolves.toContain('AWS Fargate pricing, us-east-1')

    // The hostile queue name shows as text and never ran.
    expect(await page.evaluate("window.__pwned")).toBeUndefined()
    expect(await page.locator('img').count()).toBe(0)
    await expect(page.locator('#usage-by-queue table').textContent()).resolves.toContain(HOSTILE_QUEUE)

    await page.screenshot({ path: SCREENSHOT, fullPage: true })
    const top = await page.screenshot({ clip: { x: 0, y: 0, width: 1280, height: 900 } })
    // A blank page compresses to almost nothing; a rendered one does not.
    expect(top.length).toBeGreaterThan(30_000)
    await page.close()
  })
})
