import type Hls from 'hls.js';
import { useEffect, useState, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';

export type PlayerError = 'unsupported' | 'forbidden' | 'network' | 'media';

/**
 * A recording's HLS playback through hls.js (loaded on demand, its own chunk). Every playlist and segment
 * request carries the library token as a bearer header (xhrSetup), so the stream needs no token in a URL.
 * hls.js is destroyed on unmount or when the source changes. Chromium plays HLS only through MSE, so there
 * is no native fallback (it could not send the header anyway).
 */
export function HlsPlayer({
  src,
  token,
  videoRef,
  label,
  onTimeUpdate,
}: {
  src: string;
  token: string;
  videoRef: RefObject<HTMLVideoElement | null>;
  label: string;
  onTimeUpdate: (seconds: number) => void;
}) {
  const { t } = useTranslation();
  const [error, setError] = useState<PlayerError | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const video = videoRef.current;
    if (!video) return;
    let hls: Hls | null = null;
    let cancelled = false;
    let recoveredMedia = false;
    setError(null);
    void import('hls.js')
      .then(({ default: HlsClass }) => {
        if (cancelled) return;
        if (!HlsClass.isSupported()) {
          setError('unsupported');
          return;
        }
        const player = new HlsClass({
          xhrSetup(xhr) {
            xhr.setRequestHeader('Authorization', `Bearer ${token}`);
          },
          // Recordings are VOD: no need to hold much ahead on a weak school uplink.
          maxBufferLength: 30,
          // The page's CSP allows no blob: workers (worker-src falls back to script-src 'self'); remuxing a
          // recording's segments on the main thread is cheap.
          enableWorker: false,
        });
        hls = player;
        player.on(HlsClass.Events.ERROR, (_event, data) => {
          if (!data.fatal) return;
          if (data.type === HlsClass.ErrorTypes.MEDIA_ERROR && !recoveredMedia) {
            recoveredMedia = true;
            player.recoverMediaError();
            return;
          }
          const status = data.response?.code ?? 0;
          setError(status === 401 || status === 403 ? 'forbidden' : data.type === HlsClass.ErrorTypes.NETWORK_ERROR ? 'network' : 'media');
          player.destroy();
          if (hls === player) hls = null;
        });
        player.loadSource(src);
        player.attachMedia(video);
      })
      .catch(() => {
        if (!cancelled) setError('network');
      });
    return () => {
      cancelled = true;
      hls?.destroy();
      hls = null;
    };
  }, [src, token, videoRef, attempt]);

  return (
    <div className="lib-player">
      <video
        ref={videoRef}
        className="lib-player__video"
        data-testid="library-video"
        controls
        playsInline
        preload="metadata"
        aria-label={label}
        onTimeUpdate={(e) => onTimeUpdate(e.currentTarget.currentTime)}
        onSeeked={(e) => onTimeUpdate(e.currentTarget.currentTime)}
      />
      {error ? (
        <div className="lib-player__error" role="alert">
          <p>{t(`library.player.${error}`)}</p>
          {error === 'network' || error === 'media' ? (
            <button type="button" className="btn btn--primary" onClick={() => setAttempt((n) => n + 1)}>
              {t('errors.retry')}
            </button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
