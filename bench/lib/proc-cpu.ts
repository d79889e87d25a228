// CPU time of a process or of one of its threads, from Linux's /proc: utime + stime, counted in clock ticks
// of 10 ms (USER_HZ 100). What the benchmarks that split a run's cost by process and by thread read.
import { readdirSync, readFileSync } from "node:fs";

const TICK_MS = 10;

/** The fields after the name in a stat file (the name, in parentheses, may itself hold spaces or ")"). */
function statFields(path: string): string[] {
  const stat = readFileSync(path, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/**
 * CPU milliseconds used so far by process `pid` (the sum over its threads), or by its thread `tid`; NaN
 * where that cannot be read (no /proc, or the process or thread has ended).
 */
export function cpuMs(pid: number, tid?: number): number {
  try {
    // utime and stime, fields 14 and 15 of proc(5), are 11 and 12 counted from the state after the name.
    const fields = statFields(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`);
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return Number.NaN;
  }
}

/** Every thread of `pid` with its name (comm) and CPU milliseconds so far; threads that end meanwhile are left out. */
export function threadsCpuMs(pid: number): Map<number, { name: string; ms: number }> {
  const out = new Map<number, { name: string; ms: number }>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out; // no /proc, or the process has ended
  }
  for (const tid of tids) {
    const ms = cpuMs(pid, Number(tid));
    if (Number.isNaN(ms)) continue;
    let name = "";
    try {
      name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
    } catch {
      continue;
    }
    out.set(Number(tid), { name, ms });
  }
  return out;
}
