import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { ClassroomError } from '@dualclass/protocol';

/**
 * RTP/RTCP port pairs for recording taps. ffmpeg binds them itself, so we only reserve pairs we have checked
 * are free and remember which we handed out; the SFU must not send until ffmpeg has really bound (see
 * `waitUntilBound`), or the first keyframe is lost and ffmpeg drops the video track.
 */
export class UdpPortPool {
  readonly #inUse = new Set<number>();
  #next: number;

  constructor(
    private readonly ip: string,
    private readonly min: number,
    private readonly max: number,
  ) {
    // Start at an even port; RTP takes the even port and RTCP the odd one after it.
    this.#next = min + (min % 2);
  }

  async acquire(): Promise<number> {
    const span = Math.floor((this.max - this.min) / 2);
    for (let tries = 0; tries < span; tries++) {
      const port = this.#next;
      this.#next = port + 2 > this.max - 1 ? this.min + (this.min % 2) : port + 2;
      if (this.#inUse.has(port)) continue;
      if ((await isFree(this.ip, port)) && (await isFree(this.ip, port + 1))) {
        this.#inUse.add(port);
        return port;
      }
    }
    throw new ClassroomError('UNAVAILABLE', 'no free UDP port pair for recording');
  }

  release(port: number): void {
    this.#inUse.delete(port);
  }
}

function isFree(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket(ip.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, ip, () => socket.close(() => resolve(true)));
  });
}

/** Whether some process has a UDP socket bound to `port` (Linux /proc; the recorder runs on Debian). */
export async function isUdpPortBound(port: number): Promise<boolean> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const local = line.trim().split(/\s+/)[1];
      if (local?.endsWith(hex)) return true;
    }
  }
  return false;
}

export async function waitUntilBound(port: number, timeoutMs: number, isAlive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new ClassroomError('UNAVAILABLE', 'ffmpeg exited before binding its RTP port');
    if (await isUdpPortBound(port)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new ClassroomError('TIMEOUT', `ffmpeg did not bind UDP port ${port} within ${timeoutMs} ms`);
}
