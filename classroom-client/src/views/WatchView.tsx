import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AppShell } from '../components/AppShell.tsx';
import { LessonMeta, LessonTitle } from '../components/LessonInfo.tsx';
import { PhaseBadge } from '../components/PhaseBadge.tsx';
import { panelFor, PhasePanel, ReloadButton } from '../components/PhasePanel.tsx';
import { RemoteAudio } from '../components/RemoteAudio.tsx';
import { StatusBanner } from '../components/StatusBanner.tsx';
import { VideoTile } from '../components/VideoTile.tsx';
import type { ClassroomClient } from '../core/client.ts';
import { useClassroom } from '../core/hooks.ts';
import { pickStage, type TrackPublication } from '../core/model.ts';

export type WatchVariant = 'classroom' | 'student' | 'observer';

/**
 * What the three receiving pages share: the master teacher's video and sound once the lesson is
 * live, a full panel for every other phase (connecting, waiting, ended, errors), and a banner
 * while reconnecting. The variant only changes layout (styles.css) and a few words.
 *
 * Decision order: phase `live` or `reconnecting` → stage (video or placeholder; banner on top
 * when reconnecting); any other phase → PhasePanel for that phase/error.
 */
export function WatchView({ client, variant }: { client: ClassroomClient; variant: WatchVariant }) {
  const { t } = useTranslation();
  const snapshot = useClassroom(client);
  const [chosenAngle, setChosenAngle] = useState<string | null>(null);
  const stage = useMemo(() => pickStage(snapshot.roster, chosenAngle), [snapshot.roster, chosenAngle]);
  const audioTracks = useMemo(
    () => stage.audio.map((p) => p.track).filter((track): track is MediaStreamTrack => track !== null),
    [stage.audio],
  );
  const panel = panelFor(snapshot);
  const showStage = snapshot.phase === 'live' || snapshot.phase === 'reconnecting';

  const header = (
    <>
      <div className="topbar__lesson">
        <LessonTitle lesson={snapshot.lesson} fallback={t(`views.${variant}`)} />
        {variant === 'classroom' ? <LessonMeta lesson={snapshot.lesson} /> : null}
      </div>
      <PhaseBadge phase={snapshot.phase} />
    </>
  );

  return (
    <AppShell variant={variant} header={header} after={showStage ? <RemoteAudio tracks={audioTracks} /> : null}>
      {snapshot.phase === 'reconnecting' ? (
        <StatusBanner tone="warn" title={t('phase.reconnecting')} className="banner--overlay">
          {t('state.reconnectingBody')}
        </StatusBanner>
      ) : null}
      {variant === 'observer' ? <p className="note">{t('watch.silentNote')}</p> : null}
      {showStage ? (
        <Stage
          video={stage.video}
          angles={stage.angles}
          chosen={stage.video?.producerId ?? null}
          onChoose={setChosenAngle}
          mediaStatus={snapshot.media}
          reconnecting={snapshot.phase === 'reconnecting'}
          onFirstFrame={(at) => client.markFirstFrame(at)}
        />
      ) : panel && panel !== 'reconnecting' ? (
        <PhasePanel
          kind={panel}
          lesson={snapshot.lesson}
          detail={snapshot.error?.detail}
          actions={panel === 'network' || panel === 'replaced' ? <ReloadButton /> : undefined}
        />
      ) : null}
      {variant !== 'classroom' && showStage ? (
        <section className="card" aria-label={t('lesson.info')}>
          <LessonMeta lesson={snapshot.lesson} full />
        </section>
      ) : null}
    </AppShell>
  );
}

function Stage({
  video,
  angles,
  chosen,
  onChoose,
  mediaStatus,
  reconnecting,
  onFirstFrame,
}: {
  video: TrackPublication | null;
  angles: readonly TrackPublication[];
  chosen: string | null;
  onChoose: (producerId: string) => void;
  mediaStatus: string;
  reconnecting: boolean;
  onFirstFrame: (at: number) => void;
}) {
  const { t } = useTranslation();
  const placeholder = reconnecting
    ? t('phase.reconnecting')
    : mediaStatus === 'failed'
      ? t('media.failed')
      : video && video.subscription !== 'subscribed'
        ? t('media.receiving')
        : t('media.waitingForVideo');
  return (
    <div className="stage">
      <div className="stage__screen">
        {video?.track ? (
          <VideoTile
            key={video.producerId}
            track={video.track}
            remote
            label={t('media.masterVideo', { label: video.label })}
            onFirstFrame={onFirstFrame}
          />
        ) : (
          <p className="stage__placeholder" role={reconnecting ? undefined : 'status'}>
            <span className="spinner" aria-hidden="true" /> {placeholder}
          </p>
        )}
      </div>
      {angles.length > 1 ? (
        <div className="angles" role="group" aria-label={t('media.angles')}>
          {angles.map((angle) => (
            <button
              key={angle.producerId}
              type="button"
              className="btn btn--chip"
              aria-pressed={angle.producerId === chosen}
              onClick={() => onChoose(angle.producerId)}
            >
              {angle.label}
            </button>
          ))}
        </div>
      ) : null}
    </div>
  );
}
