import { readdir, readFile, readlink } from 'node:fs/promises';

/*
 * A full garbage collection in another Node process, through its inspector (started with --inspect=127.0.0.1:0),
 * so that an RSS reading counts live memory rather than whatever garbage the last burst of work left behind.
 */

/** The TCP ports a process listens on: its socket inodes matched against /proc/net/tcp's LISTEN entries. */
async function listeningPorts(pid: number): Promise<number[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match) inodes.add(match[1]!);
  }
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6']) {
    const text = await readFile(`/proc/${pid}/net/${table}`, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT, st 0A is LISTEN, inode is the tenth field.
      if (fields[3] === '0A' && inodes.has(fields[9]!)) ports.push(Number.parseInt(fields[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}

/** The inspector's WebSocket URL: the one listening port, other than `servicePorts`, that answers /json/list. */
async function inspectorUrl(pid: number, servicePorts: number[]): Promise<string> {
  for (const port of await listeningPorts(pid)) {
    if (servicePorts.includes(port)) continue;
    const targets = (await fetch(`http://127.0.0.1:${port}/json/list`)
      .then((r) => r.json())
      .catch(() => undefined)) as { webSocketDebuggerUrl?: string }[] | undefined;
    const url = targets?.[0]?.webSocketDebuggerUrl;
    if (url) return url;
  }
  throw new Error(`process ${pid} has no inspector listening (start it with --inspect=127.0.0.1:0)`);
}

export async function collectGarbage(pid: number, servicePorts: number[]): Promise<void> {
  const socket = new WebSocket(await inspectorUrl(pid, servicePorts));
  try {
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = () => reject(new Error('inspector connection failed'));
    });
    await new Promise<void>((resolve, reject) => {
      socket.onmessage = (event) => {
        const reply = JSON.parse(String(event.data)) as { id?: number; error?: { message: string } };
        if (reply.id !== 1) return;
        if (reply.error) reject(new Error(reply.error.message));
        else resolve();
      };
      socket.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
    });
  } finally {
    socket.close();
  }
}
