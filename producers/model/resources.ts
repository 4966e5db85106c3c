/**
 * The resources a job asked for, from whichever shape its event carries:
 * `container.resourceRequirements` (string values, fractional vCPUs on Fargate),
 * legacy numeric `container.vcpus` / `container.memory`, ECS multi-container
 * `ecsProperties`, or EKS `podProperties` (Kubernetes quantities).
 */

export interface JobResources {
  vcpus: number | null
  memoryMib: number | null
  gpus: number | null
}

export class ResourceError extends Error {
  constructor(readonly field: string, message: string) {
    super(message)
  }
}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

function add(a: number | null, b: number | null): number | null {
  if (b === null) return a
  return (a ?? 0) + b
}

function numericString(value: unknown, field: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN
  if (!Number.isFinite(n) || n < 0) throw new ResourceError(field, `${field} must be a non-negative number (as a string), got ${JSON.stringify(value)}`)
  return n
}

function fromRequirements(list: unknown, field: string): JobResources {
  const out: JobResources = { vcpus: null, memoryMib: null, gpus: null }
  if (list === undefined || list === null) return out
  if (!Array.isArray(list)) throw new ResourceError(field, `${field} must be an array`)
  list.forEach((item, i) => {
    if (!isObj(item)) throw new ResourceError(`${field}[${i}]`, `${field}[${i}] must be an object`)
    const value = numericString(item.value, `${field}[${i}].value`)
    if (item.type === 'VCPU') out.vcpus = add(out.vcpus, value)
    else if (item.type === 'MEMORY') out.memoryMib = add(out.memoryMib, value)
    else if (item.type === 'GPU') out.gpus = add(out.gpus, value)
  })
  return out
}

const K8S_SUFFIX: Record<string, number> = {
  Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4,
  k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, m: 1e-3,
}

/** A Kubernetes quantity ("500m", "2Gi", "1.5") as a plain number. */
export function parseK8sQuantity(value: unknown, field: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value
  if (typeof value !== 'string') throw new ResourceError(field, `${field} must be a Kubernetes quantity, got ${JSON.stringify(value)}`)
  const m = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|K|M|G|T|m)?$/.exec(value.trim())
  if (!m) throw new ResourceError(field, `${field} must be a Kubernetes quantity such as "500m" or "2Gi", got ${JSON.stringify(value)}`)
  return Number(m[1]) * (m[2] ? K8S_SUFFIX[m[2]]! : 1)
}

function fromEksContainers(containers: unknown, field: string): JobResources {
  const out: JobResources = { vcpus: null, memoryMib: null, gpus: null }
  if (!Array.isArray(containers)) return out
  containers.forEach((c, i) => {
    if (!isObj(c) || !isObj(c.resources)) return
    const r = c.resources
    // Batch sizes EKS pods by limits when set, else by requests.
    const pick = (key: string): unknown => (isObj(r.limits) && r.limits[key] !== undefined ? r.limits[key] : isObj(r.requests) ? r.requests[key] : undefined)
    const base = `${field}[${i}].resources`
    const cpu = pick('cpu')
    const mem = pick('memory')
    const gpu = pick('nvidia.com/gpu')
    if (cpu !== undefined) out.vcpus = add(out.vcpus, parseK8sQuantity(cpu, `${base}.cpu`))
    if (mem !== undefined) out.memoryMib = add(out.memoryMib, parseK8sQuantity(mem, `${base}.memory`) / 1024 ** 2)
    if (gpu !== undefined) out.gpus = add(out.gpus, parseK8sQuantity(gpu, `${base}.nvidia.com/gpu`))
  })
  return out
}

function legacy(container: Obj, key: 'vcpus' | 'memory'): number | null {
  const v = container[key]
  if (v === undefined || v === null) return null
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ResourceError(`detail.container.${key}`, `detail.container.${key} must be a non-negative number, got ${JSON.stringify(v)}`)
  return v
}

function merge(into: JobResources, from: JobResources): JobResources {
  return { vcpus: add(into.vcpus, from.vcpus), memoryMib: add(into.memoryMib, from.memoryMib), gpus: add(into.gpus, from.gpus) }
}

/** Reads a job detail's resources; throws ResourceError naming the field when a value is not a number. */
export function readJobResources(detail: Obj): JobResources {
  let res: JobResources = { vcpus: null, memoryMib: null, gpus: null }
  const container = detail.container
  if (isObj(container)) {
    res = fromRequirements(container.resourceRequirements, 'detail.container.resourceRequirements')
    if (res.vcpus === null) res.vcpus = legacy(container, 'vcpus')
    if (res.memoryMib === null) res.memoryMib = legacy(container, 'memory')
  }
  const ecs = detail.ecsProperties
  if (isObj(ecs) && Array.isArray(ecs.taskProperties)) {
    ecs.taskProperties.forEach((task, t) => {
      if (!isObj(task) || !Array.isArray(task.containers)) return
      task.containers.forEach((c, i) => {
        if (isObj(c)) res = merge(res, fromRequirements(c.resourceRequirements, `detail.ecsProperties.taskProperties[${t}].containers[${i}].resourceRequirements`))
      })
    })
  }
  const eks = detail.eksProperties
  if (isObj(eks) && isObj(eks.podProperties)) {
    res = merge(res, fromEksContainers(eks.podProperties.containers, 'detail.eksProperties.podProperties.containers'))
  }
  return res
}
