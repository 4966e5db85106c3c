/**
 * Per-job dedupe and state, bounded: an entry leaves `retainAfterTerminalMs` after its
 * job is terminal, or `maxAgeMs` after it was first seen for jobs that never finish.
 * Memory grows with the jobs in flight, not with the events seen.
 *
 * Stored as columns (typed arrays indexed by a slot per job) rather than one object per
 * job: about 90 bytes a job, so 1 M jobs in flight fit well under 300 MB RSS, and a
 * snapshot is a few buffers copied, not a million objects serialised.
 */

export const Gauge = { None: 0, Runnable: 1, Running: 2 } as const
export type Gauge = (typeof Gauge)[keyof typeof Gauge]

/** One job's state, as read or written by other stores (the Lambda path keeps these in DynamoDB). */
export interface JobEntry {
  /** attempt × 10 + status rank of the furthest transition applied; -1 before any. */
  order: number
  /** Transitions seen (applied or late), bit `attempt × 8 + status index`, attempts 0–2… */
  seenLo: number
  /** …attempts 3–5… */
  seenHi: number
  /** …and the codes of attempts ≥ 6 (rare). */
  seenMore?: number[]
  gauge: Gauge
  queue: string
  /** Seconds since 2020 the job became terminal (processing time); 0 while it is not. */
  terminalAt: number
  /** Seconds since 2020 the job was first seen (processing time). */
  firstSeenAt: number
  /** Event ids of queue-blocked events, deduped by id only. */
  blockedIds?: string[]
}

export interface JobStateStoreOptions {
  /** How long a terminal job's entry is kept to catch late duplicates. Default 48 h. */
  retainAfterTerminalMs?: number
  /** Age after which an entry of a job that never finished is dropped. Default 14 days. */
  maxAgeMs?: number
}

export interface EvictedJob {
  jobId: string
  queue: string
  gauge: Gauge
}

const EPOCH_2020_S = Date.UTC(2020, 0, 1) / 1000
/** Processing time (ms) → seconds since 2020 (≥ 1, so 0 can mean "not yet"). */
export const toStoreSeconds = (ms: number): number => Math.max(1, Math.floor(ms / 1000 - EPOCH_2020_S))

const SNAPSHOT_MAGIC = 'BMSTATE3'

export class JobStateStore {
  readonly retainAfterTerminalMs: number
  readonly maxAgeMs: number
  private readonly slots = new Map<string, number>()
  private ids: (string | undefined)[] = []
  private free: number[] = []
  private capacity = 0
  private order = new Int16Array(0)
  private seenLo = new Int32Array(0)
  private seenHi = new Int32Array(0)
  private gauge = new Uint8Array(0)
  private queue = new Uint16Array(0)
  private terminalAt = new Uint32Array(0)
  private firstSeenAt = new Uint32Array(0)
  private readonly seenMore = new Map<number, number[]>()
  private readonly blockedIds = new Map<number, string[]>()
  private readonly queues: string[] = []
  private readonly queueIndex = new Map<string, number>()

  constructor(options: JobStateStoreOptions = {}) {
    this.retainAfterTerminalMs = options.retainAfterTerminalMs ?? 48 * 3600_000
    this.maxAgeMs = options.maxAgeMs ?? 14 * 24 * 3600_000
    if (!(this.retainAfterTerminalMs > 0)) throw new RangeError(`retainAfterTerminalMs must be > 0, got ${this.retainAfterTerminalMs}`)
    if (!(this.maxAgeMs >= this.retainAfterTerminalMs)) throw new RangeError(`maxAgeMs (${this.maxAgeMs}) must be ≥ retainAfterTerminalMs (${this.retainAfterTerminalMs})`)
  }

  get size(): number {
    return this.slots.size
  }

  has(jobId: string): boolean {
    return this.slots.has(jobId)
  }

  /** The slot of a job, created (first seen now) if new. */
  slotOf(jobId: string, queue: string, nowMs: number): number {
    let slot = this.slots.get(jobId)
    if (slot !== undefined) return slot
    slot = this.free.pop() ?? this.grow()
    this.slots.set(jobId, slot)
    this.ids[slot] = jobId
    this.order[slot] = -1
    this.seenLo[slot] = 0
    this.seenHi[slot] = 0
    this.gauge[slot] = Gauge.None
    this.queue[slot] = this.internQueue(queue)
    this.terminalAt[slot] = 0
    this.firstSeenAt[slot] = toStoreSeconds(nowMs)
    return slot
  }

  private grow(): number {
    const slot = this.ids.length
    if (slot >= this.capacity) {
      const cap = Math.max(1024, this.capacity * 2)
      const resize = <T extends Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array>(a: T, make: (n: number) => T): T => {
        const b = make(cap)
        b.set(a)
        return b
      }
      this.order = resize(this.order, (n) => new Int16Array(n))
      this.seenLo = resize(this.seenLo, (n) => new Int32Array(n))
      this.seenHi = resize(this.seenHi, (n) => new Int32Array(n))
      this.gauge = resize(this.gauge, (n) => new Uint8Array(n))
      this.queue = resize(this.queue, (n) => new Uint16Array(n))
      this.terminalAt = resize(this.terminalAt, (n) => new Uint32Array(n))
      this.firstSeenAt = resize(this.firstSeenAt, (n) => new Uint32Array(n))
      this.capacity = cap
    }
    this.ids.push(undefined)
    return slot
  }

  private internQueue(name: string): number {
    let i = this.queueIndex.get(name)
    if (i === undefined) {
      i = this.queues.length
      if (i > 0xffff) throw new RangeError('more than 65,536 distinct job queues in the state store')
      this.queues.push(name)
      this.queueIndex.set(name, i)
    }
    return i
  }

  /** Whether transition `code` (attempt × 8 + status index) was seen before; marks it seen. */
  markSeen(slot: number, code: number): boolean {
    if (code < 24) {
      const bit = 1 << code
      if (this.seenLo[slot]! & bit) return true
      this.seenLo[slot]! |= bit
      return false
    }
    if (code < 48) {
      const bit = 1 << (code - 24)
      if (this.seenHi[slot]! & bit) return true
      this.seenHi[slot]! |= bit
      return false
    }
    let more = this.seenMore.get(slot)
    if (!more) this.seenMore.set(slot, (more = []))
    if (more.includes(code)) return true
    more.push(code)
    return false
  }

  /** Whether a queue-blocked event id was seen before; marks it seen. */
  markBlockedSeen(slot: number, eventId: string): boolean {
    let ids = this.blockedIds.get(slot)
    if (!ids) this.blockedIds.set(slot, (ids = []))
    if (ids.includes(eventId)) return true
    ids.push(eventId)
    return false
  }

  orderOf(slot: number): number {
    return this.order[slot]!
  }

  gaugeOf(slot: number): Gauge {
    return this.gauge[slot] as Gauge
  }

  isTerminal(slot: number): boolean {
    return this.terminalAt[slot]! > 0
  }

  /** Records an applied transition. */
  advance(slot: number, order: number, gauge: Gauge, queue: string, terminalNowMs: number | null): void {
    this.order[slot] = order
    this.gauge[slot] = gauge
    this.queue[slot] = this.internQueue(queue)
    if (terminalNowMs !== null) this.terminalAt[slot] = toStoreSeconds(terminalNowMs)
  }

  get(jobId: string): JobEntry | undefined {
    const slot = this.slots.get(jobId)
    if (slot === undefined) return undefined
    const entry: JobEntry = {
      order: this.order[slot]!,
      seenLo: this.seenLo[slot]!,
      seenHi: this.seenHi[slot]!,
      gauge: this.gauge[slot] as Gauge,
      queue: this.queues[this.queue[slot]!]!,
      terminalAt: this.terminalAt[slot]!,
      firstSeenAt: this.firstSeenAt[slot]!,
    }
    const more = this.seenMore.get(slot)
    if (more) entry.seenMore = [...more]
    const blocked = this.blockedIds.get(slot)
    if (blocked) entry.blockedIds = [...blocked]
    return entry
  }

  put(jobId: string, entry: JobEntry): void {
    const slot = this.slotOf(jobId, entry.queue, 0)
    this.order[slot] = entry.order
    this.seenLo[slot] = entry.seenLo
    this.seenHi[slot] = entry.seenHi
    this.gauge[slot] = entry.gauge
    this.queue[slot] = this.internQueue(entry.queue)
    this.terminalAt[slot] = entry.terminalAt
    this.firstSeenAt[slot] = entry.firstSeenAt
    if (entry.seenMore?.length) this.seenMore.set(slot, [...entry.seenMore])
    else this.seenMore.delete(slot)
    if (entry.blockedIds?.length) this.blockedIds.set(slot, [...entry.blockedIds])
    else this.blockedIds.delete(slot)
  }

  private remove(jobId: string, slot: number): void {
    this.slots.delete(jobId)
    this.ids[slot] = undefined
    this.seenMore.delete(slot)
    this.blockedIds.delete(slot)
    this.free.push(slot)
  }

  /** Drops expired entries; returns the non-terminal ones dropped so their gauges can be closed. */
  evict(nowMs: number): EvictedJob[] {
    const now = toStoreSeconds(nowMs)
    const retain = this.retainAfterTerminalMs / 1000
    const maxAge = this.maxAgeMs / 1000
    const dropped: EvictedJob[] = []
    for (let slot = 0; slot < this.ids.length; slot++) {
      const jobId = this.ids[slot]
      if (jobId === undefined) continue
      const t = this.terminalAt[slot]!
      const expired = t > 0 ? now - t >= retain : now - this.firstSeenAt[slot]! >= maxAge
      if (!expired) continue
      if (t === 0 && this.gauge[slot] !== Gauge.None) dropped.push({ jobId, queue: this.queues[this.queue[slot]!]!, gauge: this.gauge[slot] as Gauge })
      this.remove(jobId, slot)
    }
    return dropped
  }

  /** Jobs RUNNABLE and RUNNING now, per queue: the gauges' levels (e.g. after restoring a snapshot). */
  gaugeLevels(): Map<string, { runnable: number; running: number }> {
    const levels = new Map<string, { runnable: number; running: number }>()
    for (let slot = 0; slot < this.ids.length; slot++) {
      if (this.ids[slot] === undefined) continue
      const queue = this.queues[this.queue[slot]!]!
      let l = levels.get(queue)
      if (!l) levels.set(queue, (l = { runnable: 0, running: 0 }))
      if (this.gauge[slot] === Gauge.Runnable) l.runnable++
      else if (this.gauge[slot] === Gauge.Running) l.running++
    }
    return levels
  }

  /** A compact binary copy of the whole state: the live slots' columns, ids and sparse extras. */
  snapshot(): Uint8Array {
    const live: number[] = []
    for (let slot = 0; slot < this.ids.length; slot++) if (this.ids[slot] !== undefined) live.push(slot)
    const n = live.length
    const pick = <T extends Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n)
      for (let i = 0; i < n; i++) b[i] = a[live[i]!]!
      return b
    }
    const columns = [
      pick(this.order, (k) => new Int16Array(k)),
      pick(this.seenLo, (k) => new Int32Array(k)),
      pick(this.seenHi, (k) => new Int32Array(k)),
      pick(this.gauge, (k) => new Uint8Array(k)),
      pick(this.queue, (k) => new Uint16Array(k)),
      pick(this.terminalAt, (k) => new Uint32Array(k)),
      pick(this.firstSeenAt, (k) => new Uint32Array(k)),
    ]
    const index = new Map(live.map((slot, i) => [slot, i]))
    const header = JSON.stringify({
      n,
      queues: this.queues,
      seenMore: [...this.seenMore].map(([slot, codes]) => [index.get(slot), codes]),
      blockedIds: [...this.blockedIds].map(([slot, ids]) => [index.get(slot), ids]),
    })
    const parts: Uint8Array[] = [
      new TextEncoder().encode(`${SNAPSHOT_MAGIC}\n${header}\n`),
      new TextEncoder().encode(live.map((s) => this.ids[s]).join('\n') + '\n'),
      ...columns.map((c) => new Uint8Array(c.buffer, c.byteOffset, c.byteLength)),
    ]
    return concat(parts)
  }

  static restore(bytes: Uint8Array, options: JobStateStoreOptions = {}): JobStateStore {
    const store = new JobStateStore(options)
    const text = (from: number, to: number): string => new TextDecoder().decode(bytes.subarray(from, to))
    const nl1 = bytes.indexOf(10)
    if (nl1 < 0 || text(0, nl1) !== SNAPSHOT_MAGIC) throw new Error(`not a batchmeter job state snapshot (expected ${SNAPSHOT_MAGIC} first)`)
    const nl2 = bytes.indexOf(10, nl1 + 1)
    const header = JSON.parse(text(nl1 + 1, nl2)) as { n: number; queues: string[]; seenMore: [number, number[]][]; blockedIds: [number, string[]][] }
    const n = header.n
    let pos = nl2 + 1
    const ids: string[] = []
    for (let i = 0; i < n; i++) {
      const end = bytes.indexOf(10, pos)
      ids.push(text(pos, end))
      pos = end + 1
    }
    const take = <T>(bytesPer: number, make: (buf: ArrayBuffer) => T): T => {
      const copy = bytes.slice(pos, pos + n * bytesPer)
      pos += n * bytesPer
      return make(copy.buffer)
    }
    const order = take(2, (b) => new Int16Array(b))
    const seenLo = take(4, (b) => new Int32Array(b))
    const seenHi = take(4, (b) => new Int32Array(b))
    const gauge = take(1, (b) => new Uint8Array(b))
    const queue = take(2, (b) => new Uint16Array(b))
    const terminalAt = take(4, (b) => new Uint32Array(b))
    const firstSeenAt = take(4, (b) => new Uint32Array(b))
    const seenMore = new Map(header.seenMore)
    const blocked = new Map(header.blockedIds)
    for (let i = 0; i < n; i++) {
      store.put(ids[i]!, {
        order: order[i]!, seenLo: seenLo[i]!, seenHi: seenHi[i]!, gauge: gauge[i] as Gauge, queue: header.queues[queue[i]!]!,
        terminalAt: terminalAt[i]!, firstSeenAt: firstSeenAt[i]!, seenMore: seenMore.get(i), blockedIds: blocked.get(i),
      })
    }
    return store
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}
