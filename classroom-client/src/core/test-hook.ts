import type { ClassroomClient, ClientTiming } from './client.ts';

/**
 * `window.__classroom`: what browser tests read. Stats come from the receive side
 * (consumers' getStats() inbound-rtp) and from the remote <video> element on the page.
 */
export interface ClassroomStats {
  /** Sum of inbound-rtp `framesDecoded` over video consumers. */
  framesDecoded: number;
  /** Largest `videoWidth` among remote video elements (`video[data-remote="true"]`); 0 if none. */
  videoWidth: number;
  /** Sum of inbound-rtp `packetsReceived` over audio consumers. */
  audioPacketsReceived: number;
  /** performance.now() at the first presented remote video frame. */
  firstFrameAt?: number;
}

export interface ClassroomTestHook {
  client: ClassroomClient;
  stats(): Promise<ClassroomStats>;
  /** Same object as client.timing: { joinStartedAt, firstFrameAt } in performance.now() ms. */
  timing: ClientTiming;
}

declare global {
  interface Window {
    __classroom?: ClassroomTestHook;
  }
}

export function installTestHook(client: ClassroomClient): ClassroomTestHook {
  const hook: ClassroomTestHook = {
    client,
    timing: client.timing,
    async stats() {
      const { framesDecoded, audioPacketsReceived } = await client.inboundStats();
      const videos = [...document.querySelectorAll<HTMLVideoElement>('video[data-remote="true"]')];
      const videoWidth = videos.reduce((max, v) => Math.max(max, v.videoWidth), 0);
      const stats: ClassroomStats = { framesDecoded, videoWidth, audioPacketsReceived };
      if (client.timing.firstFrameAt !== null) stats.firstFrameAt = client.timing.firstFrameAt;
      return stats;
    },
  };
  window.__classroom = hook;
  return hook;
}
