import type { Participant } from '@dualclass/protocol';
import { useTranslation } from 'react-i18next';
import type { ClassroomClient } from '../core/client.ts';
import { formatWaited } from '../i18n/format.ts';
import { InviteButton } from './StageControls.tsx';
import { ActionError, useAction } from './useAction.tsx';
import { useNow } from './useNow.ts';

/**
 * 举手队列: classrooms and students with a raised hand, longest waiting first, each with 邀请上台 and 放下.
 * A polite live region reads out who raised a hand.
 */
export function HandQueue({
  client,
  hands,
  canManage,
  stageFull,
}: {
  client: ClassroomClient;
  hands: readonly Participant[];
  canManage: boolean;
  stageFull: boolean;
}) {
  const { t } = useTranslation();
  const now = useNow(1000, hands.length > 0);
  const latest = hands.at(-1);
  return (
    <div className="hands">
      <p className="sr-only" aria-live="polite">
        {latest ? t('hands.announce', { name: latest.displayName }) : ''}
      </p>
      {hands.length === 0 ? (
        <p className="muted">{t('hands.empty')}</p>
      ) : (
        <ol className="hands__list">
          {hands.map((p) => (
            <HandEntry key={p.id} client={client} participant={p} canManage={canManage} stageFull={stageFull} waited={formatWaited(t, p.handRaisedAt ?? '', now)} />
          ))}
        </ol>
      )}
    </div>
  );
}

function HandEntry({
  client,
  participant,
  canManage,
  stageFull,
  waited,
}: {
  client: ClassroomClient;
  participant: Participant;
  canManage: boolean;
  stageFull: boolean;
  waited: string;
}) {
  const { t } = useTranslation();
  const action = useAction({ CONFLICT: t('stage.full') });
  const name = participant.displayName;
  return (
    <li className="hands__item">
      <div className="hands__who">
        <strong>{name}</strong>
        <span className="muted">
          {t(`roles.${participant.role}`)} · {t('hands.raisedFor', { time: waited })}
        </span>
      </div>
      {canManage ? (
        <div className="button-row button-row--tight">
          <InviteButton client={client} participantId={participant.id} name={name} action={action} disabled={stageFull} />
          <button
            type="button"
            className="btn btn--small"
            disabled={action.busy}
            aria-label={t('hands.lowerName', { name })}
            onClick={() => void action.run(() => client.lowerHand(participant.id))}
          >
            {t('hands.lower')}
          </button>
        </div>
      ) : null}
      <ActionError error={action.error} />
    </li>
  );
}
