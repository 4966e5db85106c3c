/** The EventBridge envelope around a detail, written as JSON text directly (the generator's hot path). */

export interface RenderContext {
  account: string
  region: string
}

const PREFIX = '{"version":"0","id":"'
/** Where the 36-character event id starts in every rendered event. */
export const EVENT_ID_OFFSET = PREFIX.length
export const EVENT_ID_LENGTH = 36

const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'))
const DAY = 86_400_000

/** Epoch ms → ISO-8601 UTC to the second, as EventBridge writes `time`. Hot path: no Date object. */
export function isoSecond(ms: number): string {
  const days = Math.floor(ms / DAY)
  if (days < 0 || days > 2_932_896) return `${new Date(ms).toISOString().slice(0, 19)}Z`
  // Civil date from days since 1970-01-01 (H. Hinnant's days_from_civil, inverted).
  const z = days + 719_468
  const era = Math.floor(z / 146_097)
  const doe = z - era * 146_097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0)
  const secs = Math.floor((ms - days * DAY) / 1000)
  const hh = Math.floor(secs / 3600)
  const mm = Math.floor((secs % 3600) / 60)
  return `${year}-${PAD2[month]}-${PAD2[day]}T${PAD2[hh]}:${PAD2[mm]}:${PAD2[secs % 60]}Z`
}

export function renderEnvelope(eventId: string, detailType: string, ctx: RenderContext, at: number, resourcesJson: string, detailJson: string): string {
  return `${PREFIX}${eventId}","detail-type":"${detailType}","source":"aws.batch","account":"${ctx.account}","time":"${isoSecond(at)}","region":"${ctx.region}","resources":${resourcesJson},"detail":${detailJson}}`
}

/** The same event under another id (a duplicate delivery EventBridge gave a new id). */
export function withEventId(eventJson: string, eventId: string): string {
  return eventJson.slice(0, EVENT_ID_OFFSET) + eventId + eventJson.slice(EVENT_ID_OFFSET + EVENT_ID_LENGTH)
}
