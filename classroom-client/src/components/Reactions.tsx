import { REACTIONS } from '@dualclass/protocol';
import { useTranslation } from 'react-i18next';
import type { ClassroomClient } from '../core/client.ts';
import type { Reaction, ReactionEvent } from '../core/interaction.ts';
import { ActionError, useAction } from './useAction.tsx';

export const REACTION_EMOJI: Record<Reaction, string> = {
  like: '👍',
  clap: '👏',
  heart: '❤️',
  wow: '😮',
  question: '❓',
};

/** 互动表情: one emoji button per reaction; each has a spoken name (the emoji itself is hidden from AT). */
export function ReactionBar({ client }: { client: ClassroomClient }) {
  const { t } = useTranslation();
  const action = useAction();
  return (
    <div className="reactions">
      <div className="reactions__bar" role="group" aria-label={t('reactions.label')}>
        {REACTIONS.map((reaction) => (
          <button
            key={reaction}
            type="button"
            className="btn reactions__btn"
            aria-label={t(`reactions.${reaction}`)}
            disabled={action.busy}
            onClick={() => void action.run(() => client.react(reaction))}
          >
            <span className="reactions__emoji" aria-hidden="true">
              {REACTION_EMOJI[reaction]}
            </span>
            {/* The word too: kiosks and some Android builds lack an emoji font. */}
            <span className="reactions__text" aria-hidden="true">
              {t(`reactions.short.${reaction}`)}
            </span>
          </button>
        ))}
      </div>
      <ActionError error={action.error} />
    </div>
  );
}

/** Reactions of the last few seconds, floating up; purely decorative (a count is given in words). */
export function ReactionBurst({ reactions }: { reactions: readonly ReactionEvent[] }) {
  const { t } = useTranslation();
  if (reactions.length === 0) return null;
  return (
    <div className="reaction-burst">
      <span className="sr-only">{t('reactions.recent', { count: reactions.length })}</span>
      {reactions.map((r) => (
        <span key={r.id} className="reaction-burst__item" style={{ left: `${(r.id * 37) % 80}%` }} aria-hidden="true">
          {REACTION_EMOJI[r.reaction]}
        </span>
      ))}
    </div>
  );
}
