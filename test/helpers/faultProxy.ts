import { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse, Agent, createServer, request as httpRequest } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { createRng } from '../../producers/generator/createRng.js'

/** Which wire protocol the proxied endpoint speaks: decides how errors and throttles look. */
export type ProxiedService = 'kinesis' | 's3' | 'dynamodb'

/** What the proxy can do to one request. At most one of these per request, plus optional latency. */
export const Fault = {
  /** HTTP 500 with the service's internal-error body; the request never reaches the endpoint. */
  Error500: 'error-500',
  /** HTTP 503 with the service's unavailable body; the request never reaches the endpoint. */
  Error503: 'error-503',
  /** The service's throttle: Kinesis/DynamoDB `ProvisionedThroughputExceededException` (400 JSON), S3 `SlowDown` (503 XML). */
  Throttle: 'throttle',
  /** The socket is destroyed before the request is forwarded: nothing happened on the server. */
  DropBefore: 'drop-before',
  /** The request is forwarded (it takes effect) and the socket is destroyed before any response byte: a lost answer. */
  DropAfter: 'drop-after',
  /** The request is forwarded; the status and headers arrive, then half the body, then the socket dies. */
  Truncate: 'truncate',
} as const
export type Fault = (typeof Fault)[keyof typeof Fault]

export interface ProxiedRequest {
  method: string
  path: string
  /** `Kinesis_20131202.GetRecords`, `DynamoDB_20120810.PutItem`, or `PUT`/`GET`/… for S3. */
  operation: string
}

export interface FaultPlan {
  /** Seed of the fault draws: the same seed and request order give the same faults. */
  seed: number
  /** Probability (0..1) per request of each fault; they add up (their sum must be ≤ 1). */
  rates: Partial<Record<Fault, number>>
  /** Probability (0..1) per request of an added delay, and its range in ms. Default none. */
  latency?: { rate: number; minMs: number; maxMs: number }
  /** Only requests for which this is true may get a fault or delay. Default: all. */
  applies?: (request: ProxiedRequest) => boolean
}

export interface FaultCounts {
  requests: number
  /** Requests that got a fault of this kind. */
  faults: Record<Fault, number>
  delayed: number
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: point `AWS_ENDPOINT_URL_<SERVICE>` here. */
  endpoint: string
  counts(): FaultCounts
  /** Total faults injected (delays not included). */
  injected(): number
  /** Replaces the plan (undefined: forward everything untouched). Counts are kept. */
  setPlan(plan: FaultPlan | undefined): void
  stop(): Promise<void>
}

const FAULTS = Object.values(Fault)

const jsonError = (service: 'kinesis' | 'dynamodb', type: string, message: string, status: number) => ({
  status,
  headers: {
    'content-type': service === 'kinesis' ? 'application/x-amz-json-1.1' : 'application/x-amz-json-1.0',
    'x-amzn-errortype': type,
    'x-amzn-requestid': 'fault-proxy',
  },
  body: JSON.stringify({ __type: service === 'dynamodb' ? `com.amazonaws.dynamodb.v20120810#${type}` : type, message }),
})

const xmlError = (code: string, message: string, status: number) => ({
  status,
  headers: { 'content-type': 'application/xml', 'x-amz-request-id': 'fault-proxy' },
  body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>fault-proxy</RequestId><HostId>fault-proxy</HostId></Error>`,
})

/** The error response a real endpoint of `service` gives for `fault`, as the SDK expects to parse it. */
export function errorResponse(service: ProxiedService, fault: 'error-500' | 'error-503' | 'throttle'): { status: number; headers: Record<string, string>; body: string } {
  if (service === 's3') {
    if (fault === 'error-500') return xmlError('InternalError', 'We encountered an internal error. Please try again.', 500)
    if (fault === 'error-503') return xmlError('ServiceUnavailable', 'Service is unable to handle request.', 503)
    return xmlError('SlowDown', 'Please reduce your request rate.', 503)
  }
  if (fault === 'error-500') return jsonError(service, service === 'kinesis' ? 'InternalFailure' : 'InternalServerError', 'injected internal error', 500)
  if (fault === 'error-503') return jsonError(service, 'ServiceUnavailable', 'injected: service unavailable', 503)
  return jsonError(service, 'ProvisionedThroughputExceededException', service === 'kinesis' ? 'Rate exceeded for shard shardId-000000000000 in stream (injected).' : 'The level of configured provisioned throughput for the table was exceeded (injected).', 400)
}

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })

/**
 * A fault-injecting HTTP proxy on 127.0.0.1 in front of one local AWS endpoint
 * (kinesalite, s3rver, dynalite): each request is, by a seeded draw, answered with
 * a 500/503 or the service's throttle, delayed, dropped before or after it reached the
 * endpoint, or given a truncated body; the rest is forwarded untouched. Counts every
 * fault so a test can prove faults were really injected.
 */
export async function startFaultProxy(options: { target: string; service: ProxiedService; plan?: FaultPlan }): Promise<FaultProxy> {
  const target = new URL(options.target)
  const agent = new Agent({ keepAlive: true, maxSockets: 64 })
  const counts: FaultCounts = { requests: 0, faults: Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>, delayed: 0 }
  let plan = options.plan
  let rng = createRng(plan?.seed ?? 0, 7)
  const sockets = new Set<Socket>()

  const setPlan = (next: FaultPlan | undefined): void => {
    if (next) {
      const sum = Object.values(next.rates).reduce((s, r) => s + (r ?? 0), 0)
      if (sum > 1) throw new RangeError(`fault rates add up to ${sum}; keep their sum ≤ 1`)
      rng = createRng(next.seed, 7)
    }
    plan = next
  }
  setPlan(plan)

  const draw = (req: ProxiedRequest): { fault: Fault | undefined; delayMs: number } => {
    if (!plan || (plan.applies && !plan.applies(req))) return { fault: undefined, delayMs: 0 }
    const r = rng.next()
    let acc = 0
    let fault: Fault | undefined
    for (const f of FAULTS) {
      acc += plan.rates[f] ?? 0
      if (r < acc) {
        fault = f
        break
      }
    }
    const l = plan.latency
    const delayMs = l && rng.chance(l.rate) ? rng.int(l.minMs, l.maxMs) : 0
    return { fault, delayMs }
  }

  const forward = (req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, 'content-length': String(body.length) }, agent },
        (res) => {
          readBody(res).then((b) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: b }), reject)
        },
      )
      upstream.on('error', reject)
      upstream.end(body)
    })

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req)
    const target = req.headers['x-amz-target']
    const request: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', operation: typeof target === 'string' ? target : (req.method ?? 'GET') }
    counts.requests++
    const { fault, delayMs } = draw(request)
    if (delayMs > 0) {
      counts.delayed++
      await sleep(delayMs)
    }
    if (fault === Fault.Error500 || fault === Fault.Error503 || fault === Fault.Throttle) {
      counts.faults[fault]++
      const e = errorResponse(options.service, fault)
      res.writeHead(e.status, { ...e.headers, 'content-length': String(Buffer.byteLength(e.body)) })
      res.end(e.body)
      return
    }
    if (fault === Fault.DropBefore) {
      counts.faults[fault]++
      req.socket.destroy()
      return
    }
    const answer = await forward(req, body)
    const headers: IncomingHttpHeaders = { ...answer.headers }
    delete headers['transfer-encoding']
    delete headers.connection
    const hasBody = req.method !== 'HEAD' && answer.body.length >= 2
    if (fault === Fault.DropAfter || (fault === Fault.Truncate && !hasBody)) {
      counts.faults[Fault.DropAfter]++
      req.socket.destroy()
      return
    }
    if (req.method !== 'HEAD') headers['content-length'] = String(answer.body.length)
    res.writeHead(answer.status, headers)
    if (fault === Fault.Truncate) {
      counts.faults[fault]++
      res.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)), () => req.socket.destroy())
      return
    }
    res.end(answer.body)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy())
  })
  server.keepAliveTimeout = 5_000
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    endpoint,
    counts: () => ({ requests: counts.requests, faults: { ...counts.faults }, delayed: counts.delayed }),
    injected: () => Object.values(counts.faults).reduce((s, n) => s + n, 0),
    setPlan,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const s of sockets) s.destroy()
        agent.destroy()
      }),
  }
}
