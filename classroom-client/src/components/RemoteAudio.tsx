import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Icon } from './Icon.tsx';

/**
 * Plays remote audio tracks through hidden <audio> elements. Browsers may refuse to start sound
 * without a user gesture; then a large "点击开启声音" button appears, and one click starts them all.
 */
export function RemoteAudio({ tracks }: { tracks: readonly MediaStreamTrack[] }) {
  const { t } = useTranslation();
  const [blocked, setBlocked] = useState(false);
  const elements = useRef(new Map<string, HTMLAudioElement>());

  const playAll = useCallback(() => {
    const attempts = [...elements.current.values()].map((el) => el.play());
    Promise.all(attempts).then(
      () => setBlocked(false),
      (err: unknown) => {
        if ((err as { name?: string }).name === 'NotAllowedError') setBlocked(true);
      },
    );
  }, []);

  useEffect(() => {
    if (tracks.length > 0) playAll();
  }, [tracks, playAll]);

  return (
    <>
      {tracks.map((track) => (
        <AudioSink
          key={track.id}
          track={track}
          register={(el) => {
            if (el) elements.current.set(track.id, el);
            else elements.current.delete(track.id);
          }}
        />
      ))}
      {blocked ? (
        <div className="unmute" role="alert">
          <p className="unmute__text">{t('media.audioBlocked')}</p>
          <button type="button" className="btn btn--primary btn--large" onClick={playAll} autoFocus>
            <Icon name="sound" />
            {t('media.unmute')}
          </button>
        </div>
      ) : null}
    </>
  );
}

function AudioSink({ track, register }: { track: MediaStreamTrack; register: (el: HTMLAudioElement | null) => void }) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.srcObject = new MediaStream([track]);
    register(el);
    return () => {
      register(null);
      el.srcObject = null;
    };
    // `register` only mutates a ref map; re-running for a new callback identity is not needed.
  }, [track]);
  return <audio ref={ref} autoPlay hidden />;
}
