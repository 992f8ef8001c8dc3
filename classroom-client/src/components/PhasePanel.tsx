import type { Lesson } from '@dualclass/protocol';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ClassroomSnapshot } from '../core/client.ts';
import { Icon, type IconName } from './Icon.tsx';
import { formatTime, LessonMeta } from './LessonInfo.tsx';

/** Everything a page shows instead of (or over) the lesson video. */
export type PanelKind =
  | 'connecting'
  | 'waiting'
  | 'reconnecting'
  | 'ended'
  | 'token_invalid'
  | 'token_missing'
  | 'token_ended'
  | 'replaced'
  | 'media_denied'
  | 'network';

/** The panel for a snapshot, or null when the lesson is live and connected. */
export function panelFor(snapshot: ClassroomSnapshot): PanelKind | null {
  switch (snapshot.phase) {
    case 'live':
      return null;
    case 'error': {
      const kind = snapshot.error?.kind ?? 'network';
      // Refused after we had been in: most likely the lesson ended while we were offline.
      if (kind === 'token_invalid' && snapshot.connection.everJoined) return 'token_ended';
      return kind;
    }
    default:
      return snapshot.phase;
  }
}

const ICON: Record<PanelKind, IconName> = {
  connecting: 'clock',
  waiting: 'clock',
  reconnecting: 'wifi',
  ended: 'done',
  token_invalid: 'link',
  token_missing: 'link',
  token_ended: 'link',
  replaced: 'window',
  media_denied: 'camera',
  network: 'wifi',
};

const ERRORS = new Set<PanelKind>(['token_invalid', 'token_missing', 'token_ended', 'replaced', 'media_denied', 'network']);

export function PhasePanel({
  kind,
  lesson = null,
  detail,
  actions,
}: {
  kind: PanelKind;
  lesson?: Lesson | null;
  detail?: string | undefined;
  actions?: ReactNode;
}) {
  const { t, i18n } = useTranslation();
  const isError = ERRORS.has(kind);
  const title = (() => {
    switch (kind) {
      case 'connecting':
      case 'waiting':
      case 'reconnecting':
      case 'ended':
        return t(`phase.${kind}`);
      default:
        return t(`errors.${kind}`);
    }
  })();
  const body = (() => {
    switch (kind) {
      case 'connecting':
        return t('state.connectingBody');
      case 'waiting':
        return t('state.waitingBody');
      case 'reconnecting':
        return t('state.reconnectingBody');
      case 'ended':
        return t('state.endedBody');
      default:
        return t(`errors.${kind}Body`);
    }
  })();
  const busy = kind === 'connecting' || kind === 'reconnecting';
  return (
    <section className={`panel panel--${isError ? 'error' : kind}`} aria-labelledby="panel-title">
      <div className="panel__icon" aria-hidden="true">
        {busy ? <span className="spinner" /> : <Icon name={ICON[kind]} />}
      </div>
      <div role={isError ? 'alert' : 'status'} aria-live={isError ? 'assertive' : 'polite'} aria-busy={busy}>
        <h2 id="panel-title" className="panel__title">
          {title}
        </h2>
        <p className="panel__body">{body}</p>
      </div>
      {kind === 'waiting' && lesson?.scheduledAt ? (
        <p className="panel__time">{t('state.scheduledAt', { time: formatTime(lesson.scheduledAt, i18n.language) })}</p>
      ) : null}
      {(kind === 'waiting' || kind === 'ended') && lesson ? <LessonMeta lesson={lesson} full /> : null}
      {actions ? <div className="panel__actions">{actions}</div> : null}
      {isError && detail ? <p className="panel__detail">{t('errors.detail', { detail })}</p> : null}
    </section>
  );
}

export function ReloadButton() {
  const { t } = useTranslation();
  return (
    <button type="button" className="btn btn--primary" onClick={() => window.location.reload()}>
      {t('errors.reload')}
    </button>
  );
}
