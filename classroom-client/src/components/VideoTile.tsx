import { useEffect, useRef } from 'react';

/**
 * A <video> for one track or stream. Remote tiles carry only the video track (audio plays through
 * <RemoteAudio>), so they are muted: muted video may autoplay everywhere, and nothing is lost.
 * The local preview is muted so the teacher never hears themself. Remote tiles are marked
 * `data-remote="true"` for the test hook and report the first presented frame.
 */
export function VideoTile({
  track,
  stream,
  label,
  remote = false,
  mirrored = false,
  fit = 'contain',
  onFirstFrame,
  className = '',
}: {
  track?: MediaStreamTrack | null;
  stream?: MediaStream | null;
  label: string;
  remote?: boolean;
  mirrored?: boolean;
  fit?: 'contain' | 'cover';
  onFirstFrame?: (at: number) => void;
  className?: string;
}) {
  const ref = useRef<HTMLVideoElement>(null);
  const firstFrame = useRef(onFirstFrame);
  firstFrame.current = onFirstFrame;

  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    const source = stream ?? (track ? new MediaStream([track]) : null);
    video.srcObject = source;
    if (!source) return;
    let done = false;
    const report = () => {
      if (done) return;
      done = true;
      firstFrame.current?.(performance.now());
    };
    let frameHandle: number | undefined;
    if (typeof video.requestVideoFrameCallback === 'function') {
      frameHandle = video.requestVideoFrameCallback(() => report());
    } else {
      video.addEventListener('loadeddata', report, { once: true });
    }
    video.play().catch(() => {
      // Muted video autoplay is allowed; a rejection here means the element was replaced. Ignore.
    });
    return () => {
      done = true;
      if (frameHandle !== undefined) video.cancelVideoFrameCallback(frameHandle);
      video.removeEventListener('loadeddata', report);
    };
  }, [track, stream]);

  return (
    <video
      ref={ref}
      className={`video-tile video-tile--${fit} ${mirrored ? 'video-tile--mirrored' : ''} ${className}`}
      aria-label={label}
      data-remote={remote ? 'true' : undefined}
      autoPlay
      playsInline
      muted
    />
  );
}
