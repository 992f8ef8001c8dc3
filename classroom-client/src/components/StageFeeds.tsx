import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { ClassroomClient } from '../core/client.ts';
import type { StageFeed } from '../core/selectors.ts';
import { MuteButton, RemoveButton } from './StageControls.tsx';
import { ActionError, useAction } from './useAction.tsx';
import { VideoTile } from './VideoTile.tsx';

/** Tiles at least this wide ask for the top simulcast layer; smaller ones for the middle one. */
const LARGE_TILE_PX = 560;

/**
 * The participants on stage (连麦): one tile each with their video (their sound plays through the page's
 * RemoteAudio). `variant` picks the layout: a grid in the studio, picture-in-picture on the big screen,
 * a strip on phones. The tile width decides which simulcast layer the client asks for.
 */
export function StageFeeds({
  client,
  feeds,
  variant,
  controls = false,
}: {
  client: ClassroomClient;
  feeds: readonly StageFeed[];
  variant: 'grid' | 'pip' | 'strip';
  controls?: boolean;
}) {
  const { t } = useTranslation();
  const ref = useRef<HTMLUListElement>(null);

  useEffect(() => {
    const list = ref.current;
    if (!list || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => {
      const first = list.querySelector('.stage-tile');
      const width = first?.getBoundingClientRect().width ?? 0;
      if (width > 0) client.setStageLayer(width >= LARGE_TILE_PX ? 2 : 1);
    });
    observer.observe(list);
    return () => observer.disconnect();
  }, [client, feeds.length]);

  if (feeds.length === 0) return null;
  return (
    <ul ref={ref} className={`stage-feeds stage-feeds--${variant}`} aria-label={t('stage.feedsLabel', { count: feeds.length })}>
      {feeds.map((feed) => (
        <li key={feed.participant.id} className="stage-tile" data-testid={`stage-tile-${feed.participant.id}`}>
          <StageTile client={client} feed={feed} controls={controls} />
        </li>
      ))}
    </ul>
  );
}

function StageTile({ client, feed, controls }: { client: ClassroomClient; feed: StageFeed; controls: boolean }) {
  const { t } = useTranslation();
  const action = useAction();
  const { participant, video, audio } = feed;
  const name = participant.displayName;
  const muted = audio?.hardMuted === true;
  const silent = !audio || audio.paused;
  return (
    <>
      <div className="stage-tile__video">
        {video?.track ? (
          <VideoTile track={video.track} remote fit="cover" label={t('stage.tileVideo', { name })} />
        ) : (
          <p className="stage-tile__placeholder">{video ? t('media.receiving') : t('wall.noVideo')}</p>
        )}
        <p className="stage-tile__name">
          <span>{name}</span>
          {muted ? <span className="chip chip--muted">{t('mute.hardMutedShort')}</span> : silent ? <span className="chip">{t('mute.micOff')}</span> : null}
        </p>
      </div>
      {controls ? (
        <div className="button-row button-row--tight stage-tile__controls">
          <RemoveButton client={client} participantId={participant.id} name={name} action={action} />
          <MuteButton client={client} participantId={participant.id} name={name} action={action} muted={muted} disabled={!audio} />
        </div>
      ) : null}
      {controls ? <ActionError error={action.error} /> : null}
    </>
  );
}
