import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ClassroomClient } from '../core/client.ts';
import { StatusBanner } from './StatusBanner.tsx';

/** 仅音频+课件 on/off for this screen (a toggle button: aria-pressed says whether it is on). */
export function AudioOnlyToggle({ client, on }: { client: ClassroomClient; on: boolean }) {
  const { t } = useTranslation();
  return (
    <button
      type="button"
      className="btn btn--small btn--chip audio-only-toggle"
      aria-pressed={on}
      title={t('media.audioOnlyHint')}
      onClick={() => client.setAudioOnly(!on)}
    >
      {t('media.audioOnly')}
    </button>
  );
}

/** Offered when the large video has starved for a while but sound still arrives (the client decides when). */
export function AudioOnlySuggestion({ client }: { client: ClassroomClient }) {
  const { t } = useTranslation();
  return (
    <StatusBanner
      tone="warn"
      title={t('media.starvedTitle')}
      className="banner--overlay"
      actions={
        <>
          <button type="button" className="btn btn--small btn--primary" onClick={() => client.setAudioOnly(true)}>
            {t('media.audioOnly')}
          </button>
          <button type="button" className="btn btn--small" onClick={() => client.dismissAudioOnlySuggestion()}>
            {t('media.starvedDismiss')}
          </button>
        </>
      }
    >
      {t('media.starvedBody')}
    </StatusBanner>
  );
}

/** Tile resizes settle before the client is told: a window drag must not re-ask the SFU for a layer per frame. */
const TILE_WIDTH_DEBOUNCE_MS = 300;

/**
 * Reports the large angle's tile width in device pixels to the client (which picks the layer that covers it)
 * whenever the tile's size settles. Returns a callback ref for the tile (it mounts only once the lesson is live).
 */
export function useLargeTileWidth(client: ClassroomClient): (element: HTMLDivElement | null) => void {
  const [element, setElement] = useState<HTMLDivElement | null>(null);
  useEffect(() => {
    if (!element || typeof ResizeObserver !== 'function') return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const report = () => client.setLargeTileWidth(element.clientWidth * (window.devicePixelRatio || 1));
    const observer = new ResizeObserver(() => {
      clearTimeout(timer);
      timer = setTimeout(report, TILE_WIDTH_DEBOUNCE_MS);
    });
    observer.observe(element);
    report();
    return () => {
      clearTimeout(timer);
      observer.disconnect();
    };
  }, [client, element]);
  return setElement;
}
