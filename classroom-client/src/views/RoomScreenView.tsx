import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { QuizOverlay } from '../components/QuizAnswer.tsx';
import { ReactionBurst } from '../components/Reactions.tsx';
import { VideoTile } from '../components/VideoTile.tsx';
import type { ClassroomClient, ClassroomSnapshot } from '../core/client.ts';
import { useClassroom } from '../core/hooks.ts';
import { ownAnswer } from '../core/interaction.ts';
import { ownPublication } from '../core/selectors.ts';
import { WatchView } from './WatchView.tsx';

/** How long the big screen keeps a revealed quiz up before giving the picture back. */
const REVEAL_SHOWN_MS = 30_000;
/** How long a chat line stays in the ticker. */
const TICKER_MS = 10_000;

/**
 * 远端教室 big screen (1080p/4K TV): the master video full screen, classrooms and students on stage as
 * picture-in-picture with their sound, the room camera's own small preview, the hand and stage status,
 * and the quiz in type readable from the back row. Nothing here needs a mouse: the local teacher drives
 * the room from their console.
 */
export function RoomScreenView({ client }: { client: ClassroomClient }) {
  const snapshot = useClassroom(client);
  return <WatchView client={client} variant="classroom" overlay={<RoomOverlay client={client} snapshot={snapshot} />} />;
}

function RoomOverlay({ client, snapshot }: { client: ClassroomClient; snapshot: ClassroomSnapshot }) {
  const { t } = useTranslation();
  const { self, interaction, local } = snapshot;
  const quiz = interaction.quiz;
  const [revealHidden, setRevealHidden] = useState<string | null>(null);

  useEffect(() => {
    if (quiz?.status !== 'revealed') return;
    const timer = window.setTimeout(() => setRevealHidden(quiz.id), REVEAL_SHOWN_MS);
    return () => window.clearTimeout(timer);
  }, [quiz?.id, quiz?.status]);

  const lastMessage = interaction.chat.messages.at(-1);
  const [tickerUntil, setTickerUntil] = useState(0);
  useEffect(() => {
    if (!lastMessage) return;
    setTickerUntil(Date.now() + TICKER_MS);
    const timer = window.setTimeout(() => setTickerUntil(0), TICKER_MS);
    return () => window.clearTimeout(timer);
  }, [lastMessage?.id]);

  if (!self) return null;
  const mic = ownPublication(snapshot.roster, 'audio');
  const micState = !self.onStage ? 'micClosed' : mic?.hardMuted ? 'hardMuted' : mic?.paused ? 'micOff' : 'micOn';
  const showQuiz = quiz && (quiz.status !== 'revealed' || revealHidden !== quiz.id);
  const cameraProblem = local.status === 'denied' || local.status === 'unavailable' || local.status === 'error';

  return (
    <>
      <div className="room-badges" aria-live="polite">
        {self.onStage ? <span className="chip chip--stage chip--big">{t('room.onStage')}</span> : null}
        {self.handRaisedAt ? <span className="chip chip--hand chip--big">{t('room.handRaised')}</span> : null}
      </div>
      <div className="room-self">
        {local.stream && local.camera ? (
          <VideoTile stream={local.stream} label={t('room.selfPreview')} mirrored fit="cover" />
        ) : (
          <p className="room-self__off">{local.status === 'starting' ? t('studio.startingDevices') : t('room.cameraOff')}</p>
        )}
        <p className={`room-self__mic room-self__mic--${micState}`}>{t(`room.${micState}`)}</p>
        {snapshot.ownHealth ? (
          <p className="room-self__health">
            {t('health.up', { value: Math.round(snapshot.ownHealth.sendBitrateKbps) })} · {t('health.loss', { value: snapshot.ownHealth.lossPct })} ·{' '}
            {t('health.rtt', { value: snapshot.ownHealth.rttMs })}
          </p>
        ) : null}
      </div>
      {cameraProblem ? (
        <div className="room-alert" role="alert">
          <p>{local.status === 'denied' ? t('room.cameraDenied') : t('room.cameraUnavailable')}</p>
          <button type="button" className="btn btn--primary" onClick={() => void client.startLocalMedia()}>
            {t('errors.retry')}
          </button>
        </div>
      ) : null}
      {showQuiz ? <QuizOverlay quiz={quiz} results={interaction.results} classroomId={self.classroomId} answered={ownAnswer(interaction)} /> : null}
      {lastMessage && tickerUntil > 0 ? (
        <p className="room-ticker">
          <span className="room-ticker__name">{lastMessage.displayName}</span>
          <span>{lastMessage.text}</span>
        </p>
      ) : null}
      <ReactionBurst reactions={interaction.reactions} />
    </>
  );
}
