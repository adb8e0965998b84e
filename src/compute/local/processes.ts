import { readFileSync, readdirSync } from 'node:fs';

/** The few fields of /proc/<pid>/stat the local provider needs. */
export interface ProcStat {
  /** R, S, D, Z (zombie), T, … */
  state: string;
  /** Process group id. */
  pgrp: number;
  /** Start time in clock ticks since boot (field 22): with the pid, it names one process for ever. */
  startTicks: string;
}

/** Reads /proc/<pid>/stat; undefined when the process does not exist (or there is no /proc). */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself hold spaces or ')':
  // the fields we want come after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0];
  const pgrp = Number(rest[2]);
  const startTicks = rest[19];
  if (!state || !Number.isInteger(pgrp) || !startTicks) return undefined;
  return { state, pgrp, startTicks };
}

/** Our own process group: never signalled, whatever an instance record says. */
const ownGroup = readProcStat(process.pid)?.pgrp;

/** Whether /proc can be read on this machine (Linux). Elsewhere we fall back to kill(pid, 0). */
export const hasProcfs = readProcStat(process.pid) !== undefined;

/** The start time of `pid` as recorded in /proc, or undefined when it cannot be read. */
export function processStartTicks(pid: number): string | undefined {
  return readProcStat(pid)?.startTicks;
}

/**
 * Whether the process `pid` is alive and is the one that started at `startTicks`
 * (a reused pid belongs to someone else). Zombies count as dead.
 */
export function isProcessAlive(pid: number, startTicks?: string): boolean {
  if (!isSafePid(pid)) return false;
  if (hasProcfs) {
    const stat = readProcStat(pid);
    if (!stat || stat.state === 'Z') return false;
    return startTicks === undefined || stat.startTicks === startTicks;
  }
  return signalZero(pid);
}

/**
 * Whether any live (non-zombie) member of process group `pgid` remains. Zombies are
 * skipped because an orphan's zombie lingers until PID 1 reaps it, and PID 1 in a
 * container does not always do so.
 */
export function isGroupAlive(pgid: number): boolean {
  if (!isSafePid(pgid)) return false;
  if (!signalZero(-pgid)) return false;
  if (!hasProcfs) return true;
  return groupMembers(pgid).length > 0;
}

/** Pids of the live (non-zombie) processes in group `pgid`. */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of entries) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const stat = readProcStat(pid);
    if (stat && stat.pgrp === pgid && stat.state !== 'Z') out.push(pid);
  }
  return out;
}

/**
 * Sends `signal` to every process of group `pgid`. Returns false when the group no
 * longer exists. Refuses pids 0 and 1 (and negatives): kill(-0) would hit our own group.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!isSafePid(pgid) || pgid === ownGroup) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** A pid we may ever signal: a positive integer other than 1 (init) and not our own. */
export function isSafePid(pid: number): boolean {
  return Number.isSafeInteger(pid) && pid > 1 && pid !== process.pid;
}

function signalZero(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Process-group leaders whose environment holds `NAME=<value…>`: the workloads a
 * provider launched, found from the process table itself rather than its records.
 * Returns the pid and the marker's value (Linux only; elsewhere an empty list).
 */
export function findMarkedLeaders(name: string, prefix: string): { pid: number; value: string; startTicks: string }[] {
  if (!hasProcfs) return [];
  const needle = `${name}=${prefix}`;
  const found: { pid: number; value: string; startTicks: string }[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || !isSafePid(pid)) continue;
    const stat = readProcStat(pid);
    if (!stat || stat.pgrp !== pid || stat.state === 'Z') continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
    } catch {
      continue;
    }
    const at = environ.indexOf(needle);
    if (at < 0 || (at > 0 && environ[at - 1] !== '\0')) continue;
    const end = environ.indexOf('\0', at);
    found.push({ pid, value: environ.slice(at + name.length + 1, end < 0 ? undefined : end), startTicks: stat.startTicks });
  }
  return found;
}
