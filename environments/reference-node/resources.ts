/** CPU cores, RAM and disk in MB. */
export interface Resources {
  cpu: number
  ramMb: number
  diskMb: number
}

const UNITS: Record<string, number> = { '': 1, MB: 1, M: 1, GB: 1024, G: 1024, TB: 1024 * 1024, T: 1024 * 1024 }

/** "4GB" → 4096, "512MB" → 512, 2 → 2 (MB). */
export function megabytes(value: string | number): number {
  if (typeof value === 'number') return value
  const match = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(value)
  const unit = match ? UNITS[match[2]!.toUpperCase()] : undefined
  if (!match || unit === undefined) throw new Error(`not a size: "${value}" (write e.g. 512MB or 4GB)`)
  return Number(match[1]) * unit
}

export function fits(need: Resources, free: Resources): boolean {
  return need.cpu <= free.cpu && need.ramMb <= free.ramMb && need.diskMb <= free.diskMb
}

export function shortfall(need: Resources, free: Resources): string {
  const parts: string[] = []
  if (need.cpu > free.cpu) parts.push(`cpu ${need.cpu} > free ${free.cpu}`)
  if (need.ramMb > free.ramMb) parts.push(`ram ${need.ramMb}MB > free ${free.ramMb}MB`)
  if (need.diskMb > free.diskMb) parts.push(`disk ${need.diskMb}MB > free ${free.diskMb}MB`)
  return parts.join(', ')
}

export const add = (a: Resources, b: Resources): Resources => ({ cpu: a.cpu + b.cpu, ramMb: a.ramMb + b.ramMb, diskMb: a.diskMb + b.diskMb })
export const subtract = (a: Resources, b: Resources): Resources => ({ cpu: a.cpu - b.cpu, ramMb: a.ramMb - b.ramMb, diskMb: a.diskMb - b.diskMb })
export const NONE: Resources = { cpu: 0, ramMb: 0, diskMb: 0 }
