import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ClassroomClient } from '../core/client.ts';
import { paginate, type WallTile as WallTileData } from '../core/selectors.ts';
import { formatWaited } from '../i18n/format.ts';
import { HealthMeter } from './HealthMeter.tsx';
import { InviteButton, MuteButton, RemoveButton } from './StageControls.tsx';
import { useAction, ActionError } from './useAction.tsx';
import { useNow } from './useNow.ts';
import { VideoTile } from './VideoTile.tsx';

export const WALL_PAGE_SIZE = 12;

export interface WallControls {
  /** stage:manage: 邀请上台 / 下台. */
  stage: boolean;
  /** participant:mute: hard mute of the room mic. */
  mute: boolean;
}

/**
 * 教室墙: one tile per remote classroom, a page at a time (12 tiles), so a studio with 50 rooms receives only
 * the thumbnails on screen (layer 0) — the page tells the client which tiles are visible.
 */
export function ClassroomWall({
  client,
  tiles,
  controls,
  stageFull,
  perPage = WALL_PAGE_SIZE,
}: {
  client: ClassroomClient;
  tiles: readonly WallTileData[];
  controls: WallControls | null;
  stageFull: boolean;
  perPage?: number;
}) {
  const { t } = useTranslation();
  const [page, setPage] = useState(0);
  const current = paginate(tiles, page, perPage);
  const visibleKey = current.items.map((tile) => tile.participant.id).join(',');
  const now = useNow(1000, tiles.some((tile) => tile.participant.handRaisedAt !== null || tile.health !== null));

  useEffect(() => {
    client.setWall(visibleKey ? visibleKey.split(',') : []);
  }, [client, visibleKey]);
  useEffect(() => () => client.setWall([]), [client]);

  if (tiles.length === 0) return <p className="muted">{t('wall.empty')}</p>;
  return (
    <div className="wall">
      <ul className="wall__grid" aria-label={t('wall.gridLabel', { count: tiles.length })}>
        {current.items.map((tile) => (
          <li key={tile.participant.id} className="wall__cell">
            <WallTile client={client} tile={tile} controls={controls} stageFull={stageFull} now={now} />
          </li>
        ))}
      </ul>
      {current.pages > 1 ? (
        <nav className="pager" aria-label={t('wall.pager')}>
          <button type="button" className="btn" disabled={current.page === 0} onClick={() => setPage(current.page - 1)}>
            {t('wall.prev')}
          </button>
          <span aria-live="polite">{t('wall.page', { page: current.page + 1, pages: current.pages })}</span>
          <button type="button" className="btn" disabled={current.page >= current.pages - 1} onClick={() => setPage(current.page + 1)}>
            {t('wall.next')}
          </button>
        </nav>
      ) : null}
    </div>
  );
}

function WallTile({
  client,
  tile,
  controls,
  stageFull,
  now,
}: {
  client: ClassroomClient;
  tile: WallTileData;
  controls: WallControls | null;
  stageFull: boolean;
  now: number;
}) {
  const { t } = useTranslation();
  const { participant, camera, microphone, health, localTeacher, attendance } = tile;
  const action = useAction({ CONFLICT: t('stage.full') });
  const name = participant.displayName;
  const titleId = `wall-title-${participant.id}`;
  const micMuted = microphone?.hardMuted === true;
  return (
    <article
      className={`wall-tile ${participant.handRaisedAt ? 'wall-tile--hand' : ''} ${participant.onStage ? 'wall-tile--stage' : ''}`}
      data-testid={`wall-tile-${participant.id}`}
      aria-labelledby={titleId}
    >
      <div className="wall-tile__video">
        {camera?.track ? (
          <VideoTile track={camera.track} remote fit="cover" label={t('wall.tileVideo', { name })} />
        ) : (
          <p className="wall-tile__novideo">{camera ? t('media.receiving') : t('wall.noVideo')}</p>
        )}
        <div className="wall-tile__badges">
          {participant.onStage ? <span className="chip chip--stage">{t('stage.onStage')}</span> : null}
          {participant.handRaisedAt ? (
            <span className="chip chip--hand">
              {t('hands.raisedFor', { time: formatWaited(t, participant.handRaisedAt, now) })}
            </span>
          ) : null}
          {participant.connection === 'reconnecting' ? <span className="chip">{t('studio.reconnecting')}</span> : null}
        </div>
        <span className={`chip wall-tile__mic ${micMuted ? 'chip--muted' : microphone && !microphone.paused ? 'chip--stage' : 'chip--dim'}`}>
          {micMuted ? t('mute.hardMutedShort') : microphone && !microphone.paused ? t('mute.micOn') : t('mute.micClosedShort')}
        </span>
      </div>
      <div className="wall-tile__body">
        <h3 id={titleId} className="wall-tile__name">
          {name}
        </h3>
        <p className="wall-tile__meta muted">
          {localTeacher ? t('wall.localTeacher', { name: localTeacher.displayName }) : t('wall.noLocalTeacher')}
          {attendance && (attendance.recordedAt !== null || attendance.checkedIn.length > 0)
            ? ` · ${t('wall.attendance', { present: attendance.present, roster: attendance.rosterSize })}`
            : ''}
        </p>
        <HealthMeter health={health} reportedAt={health?.reportedAt ?? null} now={now} compact />
        {controls ? (
          <div className="button-row button-row--tight">
            {controls.stage ? (
              participant.onStage ? (
                <RemoveButton client={client} participantId={participant.id} name={name} action={action} />
              ) : (
                <InviteButton client={client} participantId={participant.id} name={name} action={action} disabled={stageFull} />
              )
            ) : null}
            {controls.mute ? (
              <MuteButton client={client} participantId={participant.id} name={name} action={action} muted={micMuted} disabled={!microphone} />
            ) : null}
          </div>
        ) : null}
        <ActionError error={action.error} />
      </div>
    </article>
  );
}
