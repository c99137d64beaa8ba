/**
 * Background load: CPU time other processes used while a measurement ran, in cores. On a 2-core
 * machine anything above ~0.2 disturbs timings (PyTorch's 2-thread runs suffer most: OpenMP
 * threads spin-wait for a core). Machine-wide busy time (/proc/stat) minus this process's own and
 * its waited-for children's CPU time (/proc/self/stat utime, stime, cutime, cstime). Linux only;
 * elsewhere every reading is undefined.
 */
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface CpuSnapshot {
  wallMs: number;
  machineTicks: number;
  ownTicks: number;
}

export function cpuSnapshot(): CpuSnapshot | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy excludes idle and iowait.
    const [user, nice, system, , , irq, softirq, steal] = cpu;
    const machineTicks = user + nice + system + irq + softirq + (steal ?? 0);
    const self = readFileSync('/proc/self/stat', 'utf8');
    const fields = self.slice(self.lastIndexOf(')') + 2).split(' ').map(Number);
    // fields[0] is field 3 (state); utime, stime, cutime, cstime are fields 14..17.
    const ownTicks = fields[11] + fields[12] + fields[13] + fields[14];
    if (!Number.isFinite(machineTicks) || !Number.isFinite(ownTicks)) return undefined;
    return { wallMs: performance.now(), machineTicks, ownTicks };
  } catch {
    return undefined;
  }
}

/** Average number of cores other processes kept busy between two snapshots (children must have exited). */
export function backgroundCores(a: CpuSnapshot | undefined, b: CpuSnapshot | undefined): number | undefined {
  if (!a || !b) return undefined;
  const seconds = (b.wallMs - a.wallMs) / 1000;
  if (seconds <= 0) return undefined;
  const other = (b.machineTicks - a.machineTicks - (b.ownTicks - a.ownTicks)) / TICKS_PER_SECOND;
  return Math.round(Math.max(0, other / seconds) * 100) / 100;
}

/** Above this, a timing is flagged as disturbed by other processes. */
export const BACKGROUND_THRESHOLD = 0.25;
