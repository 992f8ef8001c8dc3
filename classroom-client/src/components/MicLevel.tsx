import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** RMS of a time-domain frame (bytes centred on 128), scaled so speech sits around 0.3–0.7. */
export function levelOf(samples: Uint8Array): number {
  let sum = 0;
  for (const s of samples) {
    const v = (s - 128) / 128;
    sum += v * v;
  }
  return Math.min(1, Math.sqrt(sum / Math.max(1, samples.length)) * 4);
}

/** Live microphone level 0…1, sampled ~12 times a second through a Web Audio analyser. */
export function useAudioLevel(track: MediaStreamTrack | null): number {
  const [level, setLevel] = useState(0);
  useEffect(() => {
    if (!track || typeof AudioContext === 'undefined') {
      setLevel(0);
      return;
    }
    const ctx = new AudioContext();
    const source = ctx.createMediaStreamSource(new MediaStream([track]));
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 512;
    source.connect(analyser);
    const buffer = new Uint8Array(analyser.fftSize);
    // An AudioContext made without a user gesture starts suspended; any click resumes it.
    const resume = () => void ctx.resume().catch(() => undefined);
    void ctx.resume().catch(() => undefined);
    window.addEventListener('pointerdown', resume);
    window.addEventListener('keydown', resume);
    const timer = window.setInterval(() => {
      analyser.getByteTimeDomainData(buffer);
      setLevel(levelOf(buffer));
    }, 80);
    return () => {
      window.clearInterval(timer);
      window.removeEventListener('pointerdown', resume);
      window.removeEventListener('keydown', resume);
      source.disconnect();
      void ctx.close().catch(() => undefined);
    };
  }, [track]);
  return level;
}

export function MicLevel({ track }: { track: MediaStreamTrack | null }) {
  const { t } = useTranslation();
  const level = useAudioLevel(track);
  const percent = Math.round(level * 100);
  return (
    <div className="mic-level">
      <span id="mic-level-label" className="field__label">
        {t('studio.micLevel')}
      </span>
      <div
        className="mic-level__track"
        role="meter"
        aria-labelledby="mic-level-label"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      >
        <div className="mic-level__bar" style={{ width: `${percent}%` }} />
      </div>
    </div>
  );
}
