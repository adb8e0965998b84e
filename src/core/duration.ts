import { z } from 'zod';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Parses `90s`, `30m`, `2h`, `1d`, `1h30m` or a plain number of seconds into seconds. */
export function parseDuration(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined;
  const s = input.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const re = /(\d+(?:\.\d+)?)([smhd])/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * (UNIT_SECONDS[m[2]!] ?? 0);
    matched = re.lastIndex;
  }
  return matched === s.length && matched > 0 ? total : undefined;
}

/** Formats seconds as `1h30m`, `45s`, `0s`. */
export function formatDuration(seconds: number): string {
  if (seconds <= 0) return '0s';
  const parts: string[] = [];
  let left = Math.round(seconds);
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (left >= size) {
      parts.push(`${Math.floor(left / size)}${unit}`);
      left %= size;
    }
  }
  return parts.slice(0, 2).join('');
}

/** A zod type for durations written as `30m` or as seconds; yields seconds. */
export const durationSchema = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const secs = parseDuration(v);
  if (secs === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration: write it like 90s, 30m, 2h or 1d` });
    return z.NEVER;
  }
  return secs;
});
