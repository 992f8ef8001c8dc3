import { useTranslation } from 'react-i18next';
import type { ClassroomClient } from '../core/client.ts';
import type { useAction } from './useAction.tsx';

/** The teacher's per-participant buttons, shared by the wall, the hand queue and the stage tiles. */
interface ControlProps {
  client: ClassroomClient;
  participantId: string;
  name: string;
  action: ReturnType<typeof useAction>;
  disabled?: boolean;
}

export function InviteButton({ client, participantId, name, action, disabled = false }: ControlProps) {
  const { t } = useTranslation();
  return (
    <button
      type="button"
      className="btn btn--small btn--primary"
      data-testid={`invite-${participantId}`}
      disabled={action.busy || disabled}
      aria-label={t('stage.inviteName', { name })}
      onClick={() => void action.run(() => client.invite(participantId))}
    >
      {t('stage.invite')}
    </button>
  );
}

export function RemoveButton({ client, participantId, name, action }: ControlProps) {
  const { t } = useTranslation();
  return (
    <button
      type="button"
      className="btn btn--small"
      data-testid={`remove-${participantId}`}
      disabled={action.busy}
      aria-label={t('stage.removeName', { name })}
      onClick={() => void action.run(() => client.removeFromStage(participantId))}
    >
      {t('stage.remove')}
    </button>
  );
}

/** Hard mute of the participant's microphone, or lifting it. */
export function MuteButton({ client, participantId, name, action, disabled = false, muted }: ControlProps & { muted: boolean }) {
  const { t } = useTranslation();
  return (
    <button
      type="button"
      className="btn btn--small"
      aria-pressed={muted}
      disabled={action.busy || disabled}
      aria-label={muted ? t('mute.unmuteName', { name }) : t('mute.muteName', { name })}
      onClick={() => void action.run(() => client.mute(participantId, 'audio', !muted))}
    >
      {muted ? t('mute.unmute') : t('mute.mute')}
    </button>
  );
}
