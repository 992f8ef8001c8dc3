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

/** What this page receives from one participant (e.g. a classroom on stage). */
export interface ParticipantStats {
  /** Sum of inbound-rtp `framesDecoded` over consumers of that participant's video publications. */
  framesDecoded: number;
  /** `videoWidth` of the <video> inside `[data-testid="stage-tile-<id>"]`, else `wall-tile-<id>`; 0 if none. */
  videoWidth: number;
  /** Sum of inbound-rtp `packetsReceived` over consumers of that participant's audio publications. */
  audioPacketsReceived: number;
}

/** The studio angles on this page: which one the large view shows and whether it is really playing. */
export interface AngleStats {
  /** `data-producer-id` of the large view (`[data-testid="angle-large"]`); null when none. */
  large: string | null;
  /** Whether the large <video> plays the track this client receives for that producer. */
  largeTrackMatches: boolean;
  /** Frames the large <video> has presented (getVideoPlaybackQuality), 0 if none. */
  largeFramesPresented: number;
  /** inbound-rtp `framesDecoded` of the consumer of the large producer. */
  largeFramesDecoded: number;
  largeVideoWidth: number;
  /** The small tiles' producer ids, in page order. */
  small: string[];
  /** The directed angle (导播) as this client last heard it. */
  directed: string | null;
}

export interface ClassroomTestHook {
  client: ClassroomClient;
  stats(): Promise<ClassroomStats>;
  statsFor(participantId: string): Promise<ParticipantStats>;
  angles(): Promise<AngleStats>;
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
    async statsFor(participantId) {
      const { framesDecoded, audioPacketsReceived } = await client.inboundStats(participantId);
      const id = CSS.escape(participantId);
      const video =
        document.querySelector<HTMLVideoElement>(`[data-testid="stage-tile-${id}"] video`) ??
        document.querySelector<HTMLVideoElement>(`[data-testid="wall-tile-${id}"] video`);
      return { framesDecoded, videoWidth: video?.videoWidth ?? 0, audioPacketsReceived };
    },
    async angles() {
      const box = document.querySelector<HTMLElement>('[data-testid="angle-large"]');
      const large = box?.dataset['producerId'] || null;
      const video = box?.querySelector<HTMLVideoElement>(':scope > video') ?? null;
      const playing = video?.srcObject instanceof MediaStream ? video.srcObject.getVideoTracks()[0] : undefined;
      const received = large ? client.snapshot.roster.publications.get(large)?.track : undefined;
      const small = [...document.querySelectorAll<HTMLElement>('[data-testid^="angle-tile-"]')].map((el) => el.dataset['producerId'] ?? '');
      return {
        large,
        largeTrackMatches: playing !== undefined && received !== undefined && received !== null && playing.id === received.id,
        largeFramesPresented: video?.getVideoPlaybackQuality().totalVideoFrames ?? 0,
        largeFramesDecoded: large ? await client.framesDecodedOf(large) : 0,
        largeVideoWidth: video?.videoWidth ?? 0,
        small,
        directed: client.snapshot.interaction.angles.directed,
      };
    },
  };
  window.__classroom = hook;
  return hook;
}
