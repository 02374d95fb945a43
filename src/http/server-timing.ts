/** `Server-Timing` header value from named millisecond timings. */
export function serverTiming(timingsMs: Record<string, number>): string {
  return Object.entries(timingsMs)
    .map(([name, ms]) => `${name};dur=${Math.round(ms * 10) / 10}`)
    .join(", ");
}
