// CPU time from /proc, the figure that holds on a shared machine: utime+stime of a process, of its
// main thread, of a process with all its descendants (a service and its WORKERS), and of the box.
import { readdirSync, readFileSync } from "node:fs";

export const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime+stime in clock ticks of a process (or of one of its threads, `task`). */
export function threadTicks(pid: number, task = pid): number {
  return statTicks(`/proc/${pid}/task/${task}/stat`);
}

/** utime+stime in clock ticks of a whole process (all its threads). */
export function processTicks(pid: number): number {
  return statTicks(`/proc/${pid}/stat`);
}

function statTicks(path: string): number {
  const stat = readFileSync(path, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
}

/** A process and its descendants (node:cluster workers are the service's children). */
export function processTree(pid: number): number[] {
  const children: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
    if (text) children.push(...text.split(" ").map(Number));
  }
  return [pid, ...children.flatMap(processTree)];
}

/** CPU ticks of a process tree: every thread, and the main (JS) threads alone. */
export function treeTicks(pid: number): { all: number; main: number } {
  let all = 0;
  let main = 0;
  for (const p of processTree(pid)) {
    all += processTicks(p);
    main += threadTicks(p);
  }
  return { all, main };
}

/** Busy and total ticks of the whole machine, summed over its cores (/proc/stat). */
export function boxTicks(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
  const [, ...values] = line.trim().split(/\s+/);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] =
    values.map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}
