import { useTranslation } from 'react-i18next';
import type { Phase } from '../core/state.ts';

/** Small pill with the connection/lesson phase; colour is never the only cue (the text says it). */
export function PhaseBadge({ phase }: { phase: Phase }) {
  const { t } = useTranslation();
  return (
    <span className={`badge badge--${phase}`}>
      <span className="badge__dot" aria-hidden="true" />
      {t(`phase.${phase}`)}
    </span>
  );
}
