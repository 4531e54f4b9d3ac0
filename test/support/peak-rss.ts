import { readFileSync } from 'node:fs';

/**
 * The process's peak resident set size in bytes: VmHWM from /proc/self/status (Linux, the
 * "high water mark" of VmRSS: proc(5), https://man7.org/linux/man-pages/man5/proc_pid_status.5.html),
 * else process.resourceUsage().maxRSS (kilobytes, https://nodejs.org/api/process.html#processresourceusage).
 * Used by the child processes whose memory the load tests bound.
 */
export function peakRss(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}
