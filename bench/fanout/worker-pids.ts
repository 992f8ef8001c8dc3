import { readdirSync, readFileSync } from 'node:fs';

/** The mediasoup-worker processes an sfu-server process runs (its direct children of that name), from /proc. */
export function mediasoupWorkerPids(sfuServerPid: number): number[] {
  const children: number[] = [];
  for (const task of readdirSync(`/proc/${sfuServerPid}/task`)) {
    const listed = readFileSync(`/proc/${sfuServerPid}/task/${task}/children`, 'utf8').trim();
    if (listed) children.push(...listed.split(/\s+/).map(Number));
  }
  return children.filter((pid) => {
    try {
      // comm is cut at 15 characters; the executable path in cmdline is not.
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]!.endsWith('mediasoup-worker');
    } catch {
      return false; // exited meanwhile
    }
  });
}
