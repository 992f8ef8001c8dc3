import { useEffect, useMemo, type ReactNode, type Ref } from 'react';
import { useTranslation } from 'react-i18next';
import { AppShell } from '../components/AppShell.tsx';
import { AudioOnlySuggestion, AudioOnlyToggle, useLargeTileWidth } from '../components/AudioOnly.tsx';
import { LessonMeta, LessonTitle } from '../components/LessonInfo.tsx';
import { LinkQuality } from '../components/LinkQuality.tsx';
import { PhaseBadge } from '../components/PhaseBadge.tsx';
import { panelFor, PhasePanel, ReloadButton } from '../components/PhasePanel.tsx';
import { RemoteAudio } from '../components/RemoteAudio.tsx';
import { StageFeeds } from '../components/StageFeeds.tsx';
import { StatusBanner } from '../components/StatusBanner.tsx';
import { VideoTile } from '../components/VideoTile.tsx';
import type { ClassroomClient, ClassroomSnapshot } from '../core/client.ts';
import { angleLayout, type AngleLayout } from '../core/angles.ts';
import { useClassroom } from '../core/hooks.ts';
import { pickStage } from '../core/model.ts';
import { stageFeeds } from '../core/selectors.ts';

export type WatchVariant = 'classroom' | 'student' | 'observer';

/**
 * The audio this page plays: every received audio track the subscription plan wants (the master's and the
 * stage's; never a wall thumbnail's room mic). Stable identity while the set of tracks is unchanged.
 */
export function useReceivedAudio(snapshot: ClassroomSnapshot): MediaStreamTrack[] {
  const { publications, plan } = snapshot;
  const tracks = publications
    .filter((p) => p.kind === 'audio' && p.track !== null && plan.has(p.producerId))
    .map((p) => p.track as MediaStreamTrack);
  const key = tracks.map((track) => track.id).join(',');
  // Keyed on the track ids on purpose: a new array with the same tracks must not restart playback.
  return useMemo(() => tracks, [key]);
}

/**
 * What the three receiving pages share: the master teacher's video and sound once the lesson is
 * live, whoever is on stage (连麦) with their sound, a full panel for every other phase (connecting,
 * waiting, ended, errors), and a banner while reconnecting. The variant changes layout (styles.css):
 * on the big screen stage feeds float as picture-in-picture over the master video and `overlay` (quiz,
 * self-preview, badges) sits on top; on phones they form a strip below it. `children` follow the video
 * (the page's own panels) whenever the page is in the lesson.
 *
 * Decision order: phase `live` or `reconnecting` → stage (video or placeholder; banner on top
 * when reconnecting); any other phase → PhasePanel for that phase/error.
 */
export function WatchView({
  client,
  variant,
  overlay,
  children,
}: {
  client: ClassroomClient;
  variant: WatchVariant;
  overlay?: ReactNode;
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  const snapshot = useClassroom(client);
  const stage = useMemo(() => pickStage(snapshot.roster), [snapshot.roster]);
  // In 仅音频+课件 only courseware angles are received, so only they are laid out.
  const angles = useMemo(() => (snapshot.audioOnly ? stage.angles.filter((a) => a.source === 'screen') : stage.angles), [stage.angles, snapshot.audioOnly]);
  const layout = useMemo(() => angleLayout(angles, snapshot.interaction.angles), [angles, snapshot.interaction.angles]);
  const feeds = useMemo(() => stageFeeds(snapshot.roster, snapshot.interaction), [snapshot.roster, snapshot.interaction]);
  const audioTracks = useReceivedAudio(snapshot);
  const panel = panelFor(snapshot);
  const showStage = snapshot.phase === 'live' || snapshot.phase === 'reconnecting';
  const inLesson = showStage || snapshot.phase === 'waiting';
  // Students and classroom screens may fall back to 仅音频+课件; observers watch what the lesson shows.
  const offersAudioOnly = variant !== 'observer' && showStage;
  const tileRef = useLargeTileWidth(client);
  useEffect(() => (offersAudioOnly ? client.watchLargeVideo() : undefined), [client, offersAudioOnly]);

  const header = (
    <>
      <div className="topbar__lesson">
        <LessonTitle lesson={snapshot.lesson} fallback={t(`views.${variant}`)} />
        {variant === 'classroom' ? <LessonMeta lesson={snapshot.lesson} /> : null}
      </div>
      {offersAudioOnly ? <AudioOnlyToggle client={client} on={snapshot.audioOnly} /> : null}
      <LinkQuality snapshot={snapshot} />
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
      {offersAudioOnly && snapshot.audioOnlySuggested && !snapshot.audioOnly ? <AudioOnlySuggestion client={client} /> : null}
      {variant === 'observer' ? <p className="note">{t('watch.silentNote')}</p> : null}
      {showStage ? (
        <Stage
          tileRef={tileRef}
          audioOnly={snapshot.audioOnly}
          layout={layout}
          onChoose={(producerId) => client.chooseAngle(producerId)}
          mediaStatus={snapshot.media}
          reconnecting={snapshot.phase === 'reconnecting'}
          onFirstFrame={(at) => client.markFirstFrame(at)}
          feeds={feeds.length > 0 ? <StageFeeds client={client} feeds={feeds} variant={variant === 'classroom' ? 'pip' : 'strip'} /> : null}
          pip={variant === 'classroom'}
          overlay={overlay}
        />
      ) : panel && panel !== 'reconnecting' ? (
        <PhasePanel
          kind={panel}
          lesson={snapshot.lesson}
          detail={snapshot.error?.detail}
          actions={panel === 'network' || panel === 'replaced' ? <ReloadButton /> : undefined}
        />
      ) : null}
      {inLesson ? children : null}
      {variant !== 'classroom' && showStage ? (
        <section className="card" aria-label={t('lesson.info')}>
          <LessonMeta lesson={snapshot.lesson} full />
        </section>
      ) : null}
    </AppShell>
  );
}

/**
 * The studio angles: the large one fills the screen, every other one is a small tile (picture-in-picture on
 * the big screen, a strip on phones) and a button that puts it large, for this viewer only. The master's
 * 导播 switches the large one for everyone (the viewer may switch away again).
 */
function Stage({
  tileRef,
  audioOnly,
  layout,
  onChoose,
  mediaStatus,
  reconnecting,
  onFirstFrame,
  feeds,
  pip,
  overlay,
}: {
  tileRef: Ref<HTMLDivElement>;
  audioOnly: boolean;
  layout: AngleLayout;
  onChoose: (producerId: string) => void;
  mediaStatus: string;
  reconnecting: boolean;
  onFirstFrame: (at: number) => void;
  feeds: ReactNode;
  pip: boolean;
  overlay: ReactNode;
}) {
  const { t } = useTranslation();
  const video = layout.large;
  const placeholder = reconnecting
    ? t('phase.reconnecting')
    : mediaStatus === 'failed'
      ? t('media.failed')
      : video && video.subscription !== 'subscribed'
        ? t('media.receiving')
        : audioOnly
          ? t('media.audioOnlyPlaceholder')
          : t('media.waitingForVideo');
  const tiles =
    layout.small.length > 0 ? (
      <ul className={`angle-tiles angle-tiles--${pip ? 'pip' : 'strip'}`} aria-label={t('angles.group')}>
        {layout.small.map((angle) => (
          <li key={angle.producerId}>
            <button
              type="button"
              className="angle-tile"
              data-testid={`angle-tile-${angle.producerId}`}
              data-producer-id={angle.producerId}
              aria-label={t('angles.showLarge', { label: angle.label, kind: t(`angles.kind.${angle.source}`) })}
              onClick={() => onChoose(angle.producerId)}
            >
              <span className="angle-tile__video" aria-hidden="true">
                {angle.track ? <VideoTile track={angle.track} remote fit="cover" label={angle.label} /> : <span className="spinner" />}
              </span>
              <span className="angle-tile__label">
                {angle.label} · {t(`angles.kind.${angle.source}`)}
              </span>
            </button>
          </li>
        ))}
      </ul>
    ) : null;
  return (
    <div className="stage">
      <div ref={tileRef} className="stage__screen" data-testid="angle-large" data-producer-id={video?.producerId ?? ''}>
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
        {video && layout.small.length > 0 ? (
          <p className="angle-large__label" aria-live="polite">
            {t('angles.largeNow', { label: video.label })}
            {layout.largeIsDirected ? <span className="chip chip--stage">{t('angles.directed')}</span> : null}
          </p>
        ) : null}
        {pip ? tiles : null}
        {pip ? feeds : null}
        {overlay}
      </div>
      {!pip ? tiles : null}
      {!pip ? feeds : null}
    </div>
  );
}
