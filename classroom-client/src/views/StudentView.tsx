import { useTranslation } from 'react-i18next';
import { ChatPanel } from '../components/ChatPanel.tsx';
import { QuizAnswerCard } from '../components/QuizAnswer.tsx';
import { ReactionBar } from '../components/Reactions.tsx';
import { StatusBanner } from '../components/StatusBanner.tsx';
import { ActionError, useAction } from '../components/useAction.tsx';
import { VideoTile } from '../components/VideoTile.tsx';
import type { ClassroomClient, ClassroomSnapshot } from '../core/client.ts';
import { useClassroom } from '../core/hooks.ts';
import { ownAnswer } from '../core/interaction.ts';
import { ownPublication, selfCan } from '../core/selectors.ts';
import { formatClockTime } from '../i18n/format.ts';
import { WatchView } from './WatchView.tsx';

/**
 * 学生端, phone first: the lesson video on top (and whoever is on stage below it), then what the student
 * does: the 你已上台 banner with their own preview and mic while on stage, the quiz card, hand and 签到,
 * reactions, and chat with questions.
 */
export function StudentView({ client }: { client: ClassroomClient }) {
  const snapshot = useClassroom(client);
  return (
    <WatchView client={client} variant="student">
      <StudentPanel client={client} snapshot={snapshot} />
    </WatchView>
  );
}

function StudentPanel({ client, snapshot }: { client: ClassroomClient; snapshot: ClassroomSnapshot }) {
  const { t, i18n } = useTranslation();
  const { roster, interaction, self } = snapshot;
  const hand = useAction();
  const checkIn = useAction();
  if (!self) return null;
  const live = snapshot.phase === 'live';
  const raised = self.handRaisedAt !== null;
  return (
    <>
      <p className="sr-only" aria-live="polite">
        {interaction.quiz ? t(`quiz.statusAnnounce.${interaction.quiz.status}`, { question: interaction.quiz.question }) : ''}
      </p>
      {self.onStage ? <OnStage client={client} snapshot={snapshot} /> : null}
      {interaction.quiz && selfCan(roster, 'quiz:answer') ? (
        <QuizAnswerCard client={client} quiz={interaction.quiz} answered={ownAnswer(interaction)} forClassroom={false} results={interaction.results} classroomId={self.classroomId} />
      ) : null}
      <section className="card student-actions" aria-label={t('student.actions')}>
        <div className="button-row">
          {selfCan(roster, 'hand:raise') && !self.onStage ? (
            <button
              type="button"
              className={`btn btn--large ${raised ? '' : 'btn--primary'}`}
              data-testid="hand-raise"
              aria-pressed={raised}
              disabled={!live || hand.busy}
              onClick={() => void hand.run(() => (raised ? client.lowerHand() : client.raiseHand()))}
            >
              {raised ? t('hands.lower') : t('hands.raise')}
            </button>
          ) : null}
          {selfCan(roster, 'attendance:checkIn') ? (
            <button
              type="button"
              className="btn btn--large"
              disabled={interaction.checkedInAt !== null || checkIn.busy || snapshot.phase === 'reconnecting'}
              onClick={() => void checkIn.run(() => client.checkIn())}
            >
              {interaction.checkedInAt ? t('attendance.checkedInAt', { time: formatClockTime(interaction.checkedInAt, i18n.language) }) : t('attendance.checkIn')}
            </button>
          ) : null}
        </div>
        <p className="muted" aria-live="polite">
          {raised ? t('student.handUp') : ''}
        </p>
        <ActionError error={hand.error ?? checkIn.error} />
        {selfCan(roster, 'reaction:send') && live ? <ReactionBar client={client} /> : null}
      </section>
      <section className="card" aria-labelledby="student-chat-title">
        <h2 id="student-chat-title" className="card__title">
          {t('chat.title')}
        </h2>
        <ChatPanel
          client={client}
          messages={interaction.chat.messages}
          enabled={interaction.chat.enabled}
          canSend={selfCan(roster, 'chat:send')}
          canDelete={() => false}
          canToggle={false}
          compact
        />
      </section>
    </>
  );
}

/** 你已上台: the student's own camera preview and a mic toggle that respects a teacher's hard mute. */
function OnStage({ client, snapshot }: { client: ClassroomClient; snapshot: ClassroomSnapshot }) {
  const { t } = useTranslation();
  const action = useAction({ FORBIDDEN: t('mute.hardMuted') });
  const { local } = snapshot;
  const mic = ownPublication(snapshot.roster, 'audio');
  const hardMuted = mic?.hardMuted === true;
  const muted = mic?.paused === true;
  const problem = local.status === 'denied' || local.status === 'unavailable' || local.status === 'error';
  return (
    <StatusBanner tone="success" title={t('student.onStage')} className="on-stage">
      <p>{t('student.onStageBody')}</p>
      <div className="on-stage__row">
        <div className="on-stage__preview">
          {local.stream && local.camera ? (
            <VideoTile stream={local.stream} label={t('student.preview')} mirrored fit="cover" />
          ) : (
            <p className="muted">{local.status === 'starting' ? t('studio.startingDevices') : t('room.cameraOff')}</p>
          )}
        </div>
        <div className="on-stage__controls">
          <p>{hardMuted ? t('mute.hardMuted') : !mic ? t('student.micStarting') : muted ? t('mute.micOff') : t('mute.micOn')}</p>
          <button
            type="button"
            className="btn btn--large"
            aria-pressed={muted}
            disabled={!mic || action.busy || hardMuted}
            onClick={() => void action.run(() => client.setMicMuted(!muted))}
          >
            {muted ? t('mute.unmuteSelf') : t('mute.muteSelf')}
          </button>
        </div>
      </div>
      {problem ? (
        <p>
          {local.status === 'denied' ? t('student.cameraDenied') : t('room.cameraUnavailable')}{' '}
          <button type="button" className="btn" onClick={() => void client.startLocalMedia()}>
            {t('errors.retry')}
          </button>
        </p>
      ) : null}
      <ActionError error={action.error} />
    </StatusBanner>
  );
}
