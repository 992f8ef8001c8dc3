import type { ChatMessage, Role } from '@dualclass/protocol';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AppShell } from '../components/AppShell.tsx';
import { ChatPanel } from '../components/ChatPanel.tsx';
import { ClassroomWall } from '../components/ClassroomWall.tsx';
import { CommentsPanel } from '../components/CommentsPanel.tsx';
import { HandQueue } from '../components/HandQueue.tsx';
import { LessonMeta, LessonTitle } from '../components/LessonInfo.tsx';
import { MicLevel } from '../components/MicLevel.tsx';
import { LinkQuality } from '../components/LinkQuality.tsx';
import { PhaseBadge } from '../components/PhaseBadge.tsx';
import { panelFor, PhasePanel, ReloadButton } from '../components/PhasePanel.tsx';
import { PrivateInbox } from '../components/PrivateMessages.tsx';
import { QuizPanel } from '../components/QuizPanel.tsx';
import { ReactionBurst } from '../components/Reactions.tsx';
import { RemoteAudio } from '../components/RemoteAudio.tsx';
import { StageFeeds } from '../components/StageFeeds.tsx';
import { StatusBanner } from '../components/StatusBanner.tsx';
import { ActionError, useAction } from '../components/useAction.tsx';
import { VideoTile } from '../components/VideoTile.tsx';
import type { ClassroomClient, ClassroomSnapshot } from '../core/client.ts';
import { studioAngles, type AngleState } from '../core/angles.ts';
import { useClassroom } from '../core/hooks.ts';
import type { RecordingState } from '../core/interaction.ts';
import type { RemoteParticipant, TrackPublication } from '../core/model.ts';
import { formatLessonTime } from '../core/quiz.ts';
import { classroomNames, classroomWall, raisedHands, selfCan, stageFeeds } from '../core/selectors.ts';
import { useReceivedAudio } from './WatchView.tsx';

/**
 * 主讲教室. Decision order: a terminal or connecting phase → PhasePanel (media_denied is shown
 * inside the device check instead, with a retry); waiting/live/reconnecting → the studio: the stage
 * (classrooms and students on 连麦) and the classroom wall on the left; lesson controls, device check,
 * raised hands, the quiz, chat, notes from local teachers and observer comments on the right.
 * What a control offers follows the role's permissions (selfCan), not the role's name.
 */
export function StudioView({ client }: { client: ClassroomClient }) {
  const { t } = useTranslation();
  const snapshot = useClassroom(client);
  const { local, roster, interaction } = snapshot;
  const mediaDenied = snapshot.error?.kind === 'media_denied';
  // A refused camera does not take the teacher out of the lesson: controls follow the lesson itself.
  const phase = mediaDenied ? (snapshot.connection.lessonStatus === 'live' ? 'live' : 'waiting') : snapshot.phase;
  const inLesson = phase === 'waiting' || phase === 'live' || phase === 'reconnecting';
  const action = useAction();
  const [confirmingEnd, setConfirmingEnd] = useState(false);
  const onAir = snapshot.published.length > 0;
  const [devicesOpen, setDevicesOpen] = useState(true);

  // Device check starts as soon as we are in the lesson (permission prompt on first visit).
  useEffect(() => {
    if (inLesson && client.local.snapshot.status === 'idle') void client.startLocalMedia();
  }, [inLesson, client]);
  // Once on air the device check folds away (it stays one click from view).
  useEffect(() => {
    if (onAir) setDevicesOpen(false);
  }, [onAir]);

  const tiles = useMemo(() => classroomWall(roster, interaction), [roster, interaction]);
  const hands = useMemo(() => raisedHands(roster), [roster]);
  const feeds = useMemo(() => stageFeeds(roster, interaction), [roster, interaction]);
  const names = useMemo(() => classroomNames(roster), [roster]);
  const angles = useMemo(() => studioAngles(roster), [roster]);
  const audioTracks = useReceivedAudio(snapshot);
  const stageFull = interaction.stage.members.length >= interaction.stage.limit;
  const may = {
    stage: selfCan(roster, 'stage:manage'),
    mute: selfCan(roster, 'participant:mute'),
    quiz: selfCan(roster, 'quiz:manage'),
    control: selfCan(roster, 'lesson:control'),
    chat: selfCan(roster, 'chat:send'),
    moderate: selfCan(roster, 'chat:moderate'),
    comment: selfCan(roster, 'comment:write'),
    readComments: selfCan(roster, 'comment:read'),
  };

  const header = (
    <>
      <div className="topbar__lesson">
        <LessonTitle lesson={snapshot.lesson} fallback={t('views.studio')} />
        <LessonMeta lesson={snapshot.lesson} />
      </div>
      <LinkQuality snapshot={snapshot} />
      <PhaseBadge phase={phase} />
    </>
  );

  const panel = panelFor(snapshot);
  if (!inLesson && panel) {
    return (
      <AppShell variant="studio" header={header}>
        <PhasePanel
          kind={panel}
          lesson={snapshot.lesson}
          detail={snapshot.error?.detail}
          actions={panel === 'network' || panel === 'replaced' ? <ReloadButton /> : undefined}
        />
      </AppShell>
    );
  }

  const canGoLive = local.status === 'ready' && !action.busy && phase !== 'reconnecting';
  const labels = { camera: t('studio.cameraLabel'), microphone: t('studio.micLabel') };
  const canDelete = (_m: ChatMessage) => may.moderate;

  return (
    <AppShell variant="studio" header={header} after={<RemoteAudio tracks={audioTracks} />}>
      {phase === 'reconnecting' ? (
        <StatusBanner tone="warn" title={t('phase.reconnecting')}>
          {t('state.reconnectingBody')}
        </StatusBanner>
      ) : null}
      <div className="studio">
        <div className="studio__main">
          <section className="card studio__stage" aria-labelledby="stage-title">
            <h2 id="stage-title" className="card__title">
              {t('stage.title')}
              <span className="card__count">{t('stage.count', { count: interaction.stage.members.length, limit: interaction.stage.limit })}</span>
            </h2>
            {feeds.length > 0 ? (
              <StageFeeds client={client} feeds={feeds} variant="grid" controls={may.stage} />
            ) : (
              <p className="muted">{t('stage.empty')}</p>
            )}
            {stageFull ? <p className="muted">{t('stage.full')}</p> : null}
            <ReactionBurst reactions={interaction.reactions} />
          </section>
          <section className="card studio__wall" aria-labelledby="wall-title">
            <h2 id="wall-title" className="card__title">
              {t('wall.title')}
              <span className="card__count">{t('wall.count', { count: tiles.length })}</span>
            </h2>
            <ClassroomWall client={client} tiles={tiles} controls={{ stage: may.stage, mute: may.mute }} stageFull={stageFull} />
          </section>
        </div>

        <div className="studio__side">
          <section className="card studio__controls" aria-labelledby="controls-title">
            <h2 id="controls-title" className="card__title">
              {t('studio.controls')}
            </h2>
            <p className={`on-air ${onAir ? 'on-air--live' : ''}`} role="status">
              <span className="badge__dot" aria-hidden="true" />
              {onAir ? t('studio.onAir') : snapshot.publishing && phase === 'live' ? t('studio.publishing') : t('studio.offAir')}
            </p>
            <div className="button-row">
              {phase === 'waiting' ? (
                <button type="button" className="btn btn--primary btn--large" disabled={!canGoLive} onClick={() => void action.run(() => client.goLive(labels))}>
                  {t('studio.goLive')}
                </button>
              ) : null}
              {phase === 'live' && !snapshot.publishing ? (
                <button type="button" className="btn btn--primary btn--large" disabled={!canGoLive} onClick={() => void action.run(() => client.goLive(labels))}>
                  {t('studio.resume')}
                </button>
              ) : null}
              {phase === 'live' && snapshot.publishing ? (
                <button type="button" className="btn" disabled={action.busy} onClick={() => void action.run(() => client.stopPublishing())}>
                  {t('studio.stopPublishing')}
                </button>
              ) : null}
              {phase === 'live' && !confirmingEnd ? (
                <button type="button" className="btn btn--danger" disabled={action.busy} onClick={() => setConfirmingEnd(true)}>
                  {t('studio.end')}
                </button>
              ) : null}
            </div>
            {phase === 'live' && confirmingEnd ? (
              <div className="confirm" role="group" aria-labelledby="confirm-end-text">
                <p id="confirm-end-text">{t('studio.confirmEnd')}</p>
                <div className="button-row">
                  <button
                    type="button"
                    className="btn btn--danger"
                    autoFocus
                    disabled={action.busy}
                    onClick={() => void action.run(() => client.endLesson()).then(() => setConfirmingEnd(false))}
                  >
                    {t('studio.confirmEndYes')}
                  </button>
                  <button type="button" className="btn" onClick={() => setConfirmingEnd(false)}>
                    {t('studio.cancel')}
                  </button>
                </div>
              </div>
            ) : null}
            <ActionError error={action.error} />
            {phase === 'live' ? <RecordingControls client={client} state={interaction.recording} canControl={may.control} /> : null}
            {may.control && phase === 'live' ? <KnowledgeMarkers client={client} points={snapshot.lesson?.knowledgePoints ?? []} /> : null}
          </section>

          {may.control && phase === 'live' ? (
            <section className="card" aria-labelledby="angles-title" data-testid="angle-director">
              <h2 id="angles-title" className="card__title">
                {t('angles.studioTitle')}
                <span className="card__count">{angles.length}</span>
              </h2>
              <AngleDirector client={client} angles={angles} state={interaction.angles} selfId={roster.self?.id ?? null} />
              <ScreenShare client={client} sharing={snapshot.sharingScreen} ready={snapshot.media === 'ready'} />
            </section>
          ) : null}

          <details className="card studio__devices" open={devicesOpen} onToggle={(e) => setDevicesOpen(e.currentTarget.open)}>
            <summary className="card__title">{t('studio.deviceCheck')}</summary>
            <DeviceCheck client={client} snapshot={snapshot} />
          </details>

          <section className="card" aria-labelledby="hands-title">
            <h2 id="hands-title" className="card__title">
              {t('hands.title')}
              <span className="card__count">{hands.length}</span>
            </h2>
            <HandQueue client={client} hands={hands} canManage={may.stage} stageFull={stageFull} />
          </section>

          <section className="card" aria-labelledby="quiz-title">
            <h2 id="quiz-title" className="card__title">
              {t('quiz.title')}
            </h2>
            <QuizPanel
              client={client}
              quiz={interaction.quiz}
              results={interaction.results}
              names={names}
              knowledgePoints={snapshot.lesson?.knowledgePoints ?? []}
              manage={may.quiz && phase === 'live'}
            />
          </section>

        </div>

        <div className="studio__feed">
          <section className="card" aria-labelledby="chat-title">
            <h2 id="chat-title" className="card__title">
              {t('chat.title')}
            </h2>
            <ChatPanel
              client={client}
              messages={interaction.chat.messages}
              enabled={interaction.chat.enabled}
              canSend={may.chat}
              canDelete={canDelete}
              canToggle={may.moderate}
            />
          </section>

          <section className="card" aria-labelledby="notes-title">
            <h2 id="notes-title" className="card__title">
              {t('messages.title')}
              <span className="card__count">{interaction.privateMessages.length}</span>
            </h2>
            <PrivateInbox messages={interaction.privateMessages} names={names} />
          </section>

          {may.readComments ? (
            <section className="card" aria-labelledby="comments-title">
              <h2 id="comments-title" className="card__title">
                {t('comments.title')}
                <span className="card__count">{interaction.comments.length}</span>
              </h2>
              <CommentsPanel client={client} comments={interaction.comments} canWrite={false} />
            </section>
          ) : null}

          <section className="card studio__roster" aria-labelledby="roster-title">
            <h2 id="roster-title" className="card__title">
              {t('studio.roster')}
            </h2>
            <Roster client={client} participants={snapshot.participants} canInvite={may.stage && phase === 'live'} stageFull={stageFull} />
          </section>
        </div>
      </div>
    </AppShell>
  );
}

/**
 * 课堂录制: the recording's phase as the server reports it (● 录制中 / 已暂停 …) and, for lesson:control,
 * pause and resume. Paused stretches are cut from the published replay.
 */
function RecordingControls({ client, state, canControl }: { client: ClassroomClient; state: RecordingState; canControl: boolean }) {
  const { t } = useTranslation();
  const action = useAction();
  const paused = state === 'paused';
  const toggleable = state === 'recording' || state === 'paused';
  return (
    <div className={`recording recording--${state}`} role="group" aria-labelledby="recording-title" data-testid="recording-controls">
      <h3 id="recording-title" className="sr-only">
        {t('recording.title')}
      </h3>
      <p className="recording__state" role="status" data-testid="recording-state" data-phase={state}>
        <span className="badge__dot" aria-hidden="true" />
        {t(`recording.phases.${state}`)}
      </p>
      {canControl && toggleable ? (
        <button
          type="button"
          className="btn btn--small"
          disabled={action.busy}
          data-testid="recording-toggle"
          onClick={() => void action.run(() => client.setRecordingPaused(!paused))}
        >
          {paused ? t('recording.resume') : t('recording.pause')}
        </button>
      ) : null}
      {paused ? <p className="recording__note muted">{t('recording.pausedNote')}</p> : null}
      <ActionError error={action.error} />
    </div>
  );
}

/** 导播: one 全体切换到此画面 button per studio angle, and a way to stop directing. */
function AngleDirector({ client, angles, state, selfId }: { client: ClassroomClient; angles: readonly TrackPublication[]; state: AngleState; selfId: string | null }) {
  const { t } = useTranslation();
  const action = useAction();
  if (angles.length === 0) return <p className="muted">{t('angles.none')}</p>;
  return (
    <>
      <p className="muted">{t('angles.studioHint')}</p>
      <ul className="angle-direct-list">
        {angles.map((angle) => {
          const directed = state.directed === angle.producerId;
          return (
            <li key={angle.producerId} data-testid={`angle-direct-${angle.producerId}`}>
              <span>
                {angle.label} · {t(`angles.kind.${angle.source}`)}
                {angle.participantId === selfId ? ` · ${t('angles.own')}` : ''}
                {directed ? <span className="chip chip--stage">{t('angles.directing')}</span> : null}
              </span>
              <button
                type="button"
                className={`btn btn--small ${directed ? '' : 'btn--primary'}`}
                aria-pressed={directed}
                aria-label={t('angles.directLabel', { label: angle.label })}
                disabled={action.busy}
                onClick={() => void action.run(() => client.directAngle(angle.producerId))}
              >
                {t('angles.direct')}
              </button>
            </li>
          );
        })}
      </ul>
      {state.directed ? (
        <div className="button-row">
          <button type="button" className="btn btn--small" disabled={action.busy} onClick={() => void action.run(() => client.directAngle(null))}>
            {t('angles.stopDirecting')}
          </button>
        </div>
      ) : null}
      <ActionError error={action.error} />
    </>
  );
}

/** A second browser angle: the teacher's screen (courseware) as a 'screen' angle. */
function ScreenShare({ client, sharing, ready }: { client: ClassroomClient; sharing: boolean; ready: boolean }) {
  const { t } = useTranslation();
  const action = useAction();
  if (typeof navigator === 'undefined' || typeof navigator.mediaDevices?.getDisplayMedia !== 'function') return null;
  return (
    <div className="button-row">
      <button
        type="button"
        className="btn btn--small"
        aria-pressed={sharing}
        disabled={action.busy || (!sharing && !ready)}
        onClick={() => void action.run(() => (sharing ? client.stopScreenShare() : client.shareScreen(t('angles.screenLabel'))))}
      >
        {sharing ? t('angles.stopShare') : t('angles.shareScreen')}
      </button>
      <ActionError error={action.error} />
    </div>
  );
}

/** 知识点标记: one button per knowledge point of the lesson; a chapter on the recording. */
function KnowledgeMarkers({ client, points }: { client: ClassroomClient; points: readonly string[] }) {
  const { t } = useTranslation();
  const action = useAction();
  const [last, setLast] = useState<{ point: string; lessonMs: number } | null>(null);
  return (
    <div className="knowledge" role="group" aria-labelledby="knowledge-title">
      <h3 id="knowledge-title">{t('knowledge.title')}</h3>
      {points.length === 0 ? (
        <p className="muted">{t('knowledge.none')}</p>
      ) : (
        <div className="button-row button-row--tight">
          {points.map((point) => (
            <button
              key={point}
              type="button"
              className="btn btn--small btn--chip"
              disabled={action.busy}
              onClick={() =>
                void action.run(async () => {
                  const event = await client.markKnowledgePoint(point);
                  setLast({ point, lessonMs: event.lessonMs });
                })
              }
            >
              {t('knowledge.mark', { point })}
            </button>
          ))}
        </div>
      )}
      <p className="muted" role="status">
        {last ? t('knowledge.marked', { point: last.point, time: formatLessonTime(last.lessonMs) }) : ''}
      </p>
      <ActionError error={action.error} />
    </div>
  );
}

function DeviceCheck({ client, snapshot }: { client: ClassroomClient; snapshot: ClassroomSnapshot }) {
  const { t } = useTranslation();
  const { local } = snapshot;
  return (
    <div className="device-check">
      <div className="preview">
        {local.stream && local.camera ? (
          <VideoTile stream={local.stream} label={t('studio.preview')} mirrored fit="cover" />
        ) : (
          <p className="preview__off">{local.status === 'starting' ? t('studio.startingDevices') : t('studio.previewOff')}</p>
        )}
      </div>
      {local.status === 'denied' || snapshot.error?.kind === 'media_denied' ? (
        <StatusBanner
          tone="error"
          title={t('errors.media_denied')}
          actions={
            <button type="button" className="btn btn--primary" onClick={() => void client.startLocalMedia()}>
              {t('errors.retry')}
            </button>
          }
        >
          {t('errors.media_deniedBody')}
        </StatusBanner>
      ) : null}
      {local.status === 'unavailable' || local.status === 'error' ? (
        <StatusBanner
          tone="error"
          title={local.status === 'unavailable' ? t('studio.devicesUnavailable') : t('studio.devicesError', { name: local.errorName ?? '' })}
          actions={
            <button type="button" className="btn btn--primary" onClick={() => void client.startLocalMedia()}>
              {t('errors.retry')}
            </button>
          }
        />
      ) : null}
      {local.status === 'idle' ? (
        <button type="button" className="btn btn--primary" onClick={() => void client.startLocalMedia()}>
          {t('studio.enableDevices')}
        </button>
      ) : null}
      <div className="field">
        <label className="field__label" htmlFor="camera-select">
          {t('studio.camera')}
        </label>
        <select
          id="camera-select"
          className="field__control"
          value={local.cameraId ?? ''}
          disabled={local.cameras.length === 0}
          onChange={(e) => void client.local.select('video', e.target.value)}
        >
          {local.cameras.map((d) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label className="field__label" htmlFor="mic-select">
          {t('studio.microphone')}
        </label>
        <select
          id="mic-select"
          className="field__control"
          value={local.microphoneId ?? ''}
          disabled={local.microphones.length === 0}
          onChange={(e) => void client.local.select('audio', e.target.value)}
        >
          {local.microphones.map((d) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label}
            </option>
          ))}
        </select>
      </div>
      <MicLevel track={local.microphone} />
    </div>
  );
}

/**
 * Who else is here. Classrooms are on the wall, so they are only counted; students and observers are listed
 * (a student can be invited on stage from here even without a raised hand).
 */
function Roster({ client, participants, canInvite, stageFull }: { client: ClassroomClient; participants: readonly RemoteParticipant[]; canInvite: boolean; stageFull: boolean }) {
  const { t } = useTranslation();
  const classrooms = participants.filter((p) => CLASSROOM_ROLES.includes(p.role));
  const students = participants.filter((p) => p.role === 'student');
  const observers = participants.filter((p) => p.role === 'observer');
  return (
    <div className="roster">
      <div className="roster__group">
        <h3>{t('studio.classrooms', { count: classrooms.length })}</h3>
        <p className="muted">{t('studio.classroomsOnWall')}</p>
      </div>
      <div className="roster__group">
        <h3>{t('studio.students', { count: students.length })}</h3>
        {students.length === 0 ? (
          <p className="muted">{t('studio.nobody')}</p>
        ) : (
          <ul>
            {students.map((p) => (
              <RosterStudent key={p.id} client={client} participant={p} canInvite={canInvite} stageFull={stageFull} />
            ))}
          </ul>
        )}
      </div>
      <div className="roster__group">
        <h3>{t('studio.observers', { count: observers.length })}</h3>
        {observers.length === 0 ? (
          <p className="muted">{t('studio.nobody')}</p>
        ) : (
          <ul>
            {observers.map((p) => (
              <li key={p.id}>{p.displayName}</li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}

function RosterStudent({ client, participant, canInvite, stageFull }: { client: ClassroomClient; participant: RemoteParticipant; canInvite: boolean; stageFull: boolean }) {
  const { t } = useTranslation();
  const action = useAction({ CONFLICT: t('stage.full') });
  const name = participant.displayName;
  return (
    <li className="roster__student">
      <span>
        {name}
        {participant.onStage ? <> <span className="chip chip--stage">{t('stage.onStage')}</span></> : null}
        {participant.connection === 'reconnecting' ? <span className="muted"> {t('studio.reconnecting')}</span> : null}
      </span>
      {canInvite && !participant.onStage ? (
        <button
          type="button"
          className="btn btn--small"
          disabled={action.busy || stageFull}
          aria-label={t('stage.inviteName', { name })}
          onClick={() => void action.run(() => client.invite(participant.id))}
        >
          {t('stage.invite')}
        </button>
      ) : null}
      <ActionError error={action.error} />
    </li>
  );
}

const CLASSROOM_ROLES: readonly Role[] = ['classroom_device', 'local_teacher'];
