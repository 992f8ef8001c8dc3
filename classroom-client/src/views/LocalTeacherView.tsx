import type { Attendance, ChatMessage, Participant } from '@dualclass/protocol';
import { useEffect, useId, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AppShell } from '../components/AppShell.tsx';
import { ChatPanel } from '../components/ChatPanel.tsx';
import { HealthMeter } from '../components/HealthMeter.tsx';
import { LessonTitle } from '../components/LessonInfo.tsx';
import { LinkQuality } from '../components/LinkQuality.tsx';
import { PhaseBadge } from '../components/PhaseBadge.tsx';
import { panelFor, PhasePanel, ReloadButton } from '../components/PhasePanel.tsx';
import { MessageMaster } from '../components/PrivateMessages.tsx';
import { QuizAnswerCard } from '../components/QuizAnswer.tsx';
import { StatusBanner } from '../components/StatusBanner.tsx';
import { ActionError, useAction } from '../components/useAction.tsx';
import { useNow } from '../components/useNow.ts';
import { VideoTile } from '../components/VideoTile.tsx';
import type { ClassroomClient, ClassroomSnapshot } from '../core/client.ts';
import { useClassroom } from '../core/hooks.ts';
import { ownAnswer } from '../core/interaction.ts';
import { publicationsOf, roomDeviceOf, selfCan } from '../core/selectors.ts';
import { formatClockTime, formatWaited } from '../i18n/format.ts';

/**
 * 辅导教师控制台 (phone or tablet, in the room beside the big screen): the room's status (device online, on
 * stage, mic, link health, a small thumbnail), the room's hand and mic, attendance, the room's quiz answer,
 * a private note to the master and the chat of the lesson (deleting messages from this classroom). It plays
 * no lesson sound: the big screen does that.
 */
export function LocalTeacherView({ client }: { client: ClassroomClient }) {
  const { t } = useTranslation();
  const snapshot = useClassroom(client);
  const { roster, interaction, self } = snapshot;
  const device = useMemo(() => roomDeviceOf(roster, self?.classroomId ?? null), [roster, self?.classroomId]);
  const deviceId = device?.id ?? null;

  // The console's only video: its own room camera's thumbnail (layer 0).
  useEffect(() => {
    client.setWall(deviceId ? [deviceId] : []);
  }, [client, deviceId]);

  const panel = panelFor(snapshot);
  const inLesson = snapshot.phase === 'waiting' || snapshot.phase === 'live' || snapshot.phase === 'reconnecting';
  const live = snapshot.phase === 'live';
  const header = (
    <>
      <div className="topbar__lesson">
        <LessonTitle lesson={snapshot.lesson} fallback={t('console.title')} />
      </div>
      <LinkQuality snapshot={snapshot} />
      <PhaseBadge phase={snapshot.phase} />
    </>
  );
  if (!inLesson && panel) {
    return (
      <AppShell variant="console" header={header}>
        <PhasePanel kind={panel} lesson={snapshot.lesson} detail={snapshot.error?.detail} actions={panel === 'network' || panel === 'replaced' ? <ReloadButton /> : undefined} />
      </AppShell>
    );
  }

  const classroomId = self?.classroomId ?? null;
  const attendance = classroomId ? (interaction.attendance.get(classroomId) ?? null) : null;
  const ownClassroom = (m: ChatMessage) => {
    if (!selfCan(roster, 'chat:moderate')) return false;
    if (m.participantId === self?.id) return true;
    const sender = roster.participants.get(m.participantId);
    return sender !== undefined && classroomId !== null && sender.classroomId === classroomId;
  };

  return (
    <AppShell variant="console" header={header}>
      {snapshot.phase === 'reconnecting' ? (
        <StatusBanner tone="warn" title={t('phase.reconnecting')}>
          {t('state.reconnectingBody')}
        </StatusBanner>
      ) : null}
      {snapshot.phase === 'waiting' ? (
        <StatusBanner tone="info" title={t('phase.waiting')}>
          {t('console.waitingBody')}
        </StatusBanner>
      ) : null}

      <p className="sr-only" aria-live="polite">
        {interaction.quiz ? t(`quiz.statusAnnounce.${interaction.quiz.status}`, { question: interaction.quiz.question }) : ''}
      </p>
      <RoomStatus client={client} snapshot={snapshot} device={device} live={live} />

      {interaction.quiz && selfCan(roster, 'quiz:answer') ? (
        <QuizAnswerCard client={client} quiz={interaction.quiz} answered={ownAnswer(interaction)} forClassroom results={interaction.results} classroomId={classroomId} />
      ) : null}

      {selfCan(roster, 'attendance:record') ? (
        <section className="card" aria-labelledby="attendance-title">
          <h2 id="attendance-title" className="card__title">
            {t('attendance.title')}
          </h2>
          <AttendanceForm client={client} attendance={attendance} live={live} />
        </section>
      ) : null}

      {selfCan(roster, 'message:toMaster') ? (
        <section className="card" aria-labelledby="note-title">
          <h2 id="note-title" className="card__title">
            {t('messages.toMasterTitle')}
          </h2>
          <MessageMaster client={client} sent={interaction.privateMessages.filter((m) => m.fromId === self?.id)} />
        </section>
      ) : null}

      <section className="card" aria-labelledby="console-chat-title">
        <h2 id="console-chat-title" className="card__title">
          {t('chat.title')}
        </h2>
        <ChatPanel
          client={client}
          messages={interaction.chat.messages}
          enabled={interaction.chat.enabled}
          canSend={selfCan(roster, 'chat:send')}
          canDelete={ownClassroom}
          canToggle={false}
          compact
        />
      </section>
    </AppShell>
  );
}

function RoomStatus({ client, snapshot, device, live }: { client: ClassroomClient; snapshot: ClassroomSnapshot; device: Participant | null; live: boolean }) {
  const { t } = useTranslation();
  const { roster, interaction } = snapshot;
  const hand = useAction();
  const mute = useAction();
  const pubs = device ? publicationsOf(roster, device.id) : [];
  const camera = pubs.find((p) => p.kind === 'video') ?? null;
  const mic = pubs.find((p) => p.kind === 'audio') ?? null;
  const health = device ? (interaction.health.get(device.id) ?? null) : null;
  const now = useNow(1000, device?.handRaisedAt != null || health !== null);
  const raised = device?.handRaisedAt != null;
  const hardMuted = mic?.hardMuted === true;
  const micText = !device ? '' : hardMuted ? t('console.micHardMuted') : !device.onStage ? t('console.micClosed') : mic?.paused ? t('mute.micOff') : t('console.micLive');

  return (
    <section className="card room-status" aria-labelledby="room-title">
      <h2 id="room-title" className="card__title">
        {device ? device.displayName : t('console.room')}
      </h2>
      {!device ? (
        <StatusBanner tone="warn" title={t('console.roomOffline')}>
          {t('console.roomOfflineBody')}
        </StatusBanner>
      ) : (
        <>
          <div className="room-status__row">
            <div className="room-status__thumb" data-testid={`wall-tile-${device.id}`}>
              {camera?.track ? (
                <VideoTile track={camera.track} remote fit="cover" label={t('wall.tileVideo', { name: device.displayName })} />
              ) : (
                <p className="wall-tile__novideo">{camera ? t('media.receiving') : t('wall.noVideo')}</p>
              )}
            </div>
            <ul className="room-status__facts" aria-live="polite">
              <li>
                <span className={`chip ${device.onStage ? 'chip--stage' : ''}`}>{device.onStage ? t('stage.onStage') : t('console.offStage')}</span>
              </li>
              <li>{raised ? t('hands.raisedFor', { time: formatWaited(t, device.handRaisedAt ?? '', now) }) : t('console.handDown')}</li>
              <li>{micText}</li>
            </ul>
          </div>
          <HealthMeter health={health} reportedAt={health?.reportedAt ?? null} now={now} />
        </>
      )}
      <div className="button-row">
        {selfCan(roster, 'hand:raise') ? (
          <button
            type="button"
            className={`btn btn--large ${raised ? '' : 'btn--primary'}`}
            data-testid="hand-raise"
            aria-pressed={raised}
            disabled={!device || !live || hand.busy}
            onClick={() => void hand.run(() => (raised ? client.lowerHand() : client.raiseHand()))}
          >
            {raised ? t('console.lowerHand') : t('console.raiseHand')}
          </button>
        ) : null}
        {selfCan(roster, 'participant:mute') ? (
          <button
            type="button"
            className="btn btn--large"
            aria-pressed={hardMuted}
            disabled={!device || !mic || !live || mute.busy}
            onClick={() => device && void mute.run(() => client.mute(device.id, 'audio', !hardMuted))}
          >
            {hardMuted ? t('console.unmuteRoom') : t('console.muteRoom')}
          </button>
        ) : null}
      </div>
      <ActionError error={hand.error ?? mute.error} />
    </section>
  );
}

function AttendanceForm({ client, attendance, live }: { client: ClassroomClient; attendance: Attendance | null; live: boolean }) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const action = useAction();
  const rosterSize = attendance?.rosterSize ?? 0;
  const [present, setPresent] = useState<string>('');
  const value = present === '' ? String(attendance?.present ?? '') : present;
  const submit = async () => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) return;
    if (await action.run(() => client.recordAttendance(n))) setPresent('');
  };
  return (
    <div className="attendance">
      <p>
        {attendance?.recordedAt
          ? t('attendance.recorded', { present: attendance.present, roster: rosterSize, time: formatClockTime(attendance.recordedAt, i18n.language) })
          : t('attendance.notRecorded', { roster: rosterSize })}
      </p>
      <form
        className="attendance__form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="field field--narrow">
          <label className="field__label" htmlFor={`${id}-present`}>
            {t('attendance.present')}
          </label>
          <input
            id={`${id}-present`}
            className="field__control"
            type="number"
            inputMode="numeric"
            min={0}
            max={rosterSize || 500}
            value={value}
            onChange={(e) => setPresent(e.target.value)}
          />
        </div>
        <button type="submit" className="btn btn--primary" disabled={!live || action.busy || value === ''}>
          {t('attendance.record')}
        </button>
      </form>
      <ActionError error={action.error} />
      <h3>{t('attendance.checkedIn', { count: attendance?.checkedIn.length ?? 0 })}</h3>
      {attendance && attendance.checkedIn.length > 0 ? (
        <ul className="attendance__list">
          {attendance.checkedIn.map((c) => (
            <li key={c.participantId}>
              <span>{c.displayName}</span> <time className="muted">{formatClockTime(c.at, i18n.language)}</time>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">{t('attendance.none')}</p>
      )}
    </div>
  );
}
