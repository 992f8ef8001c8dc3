import { useTranslation } from 'react-i18next';
import type { ClassroomSnapshot } from '../core/client.ts';
import { gradeHealth } from '../core/health.ts';

/**
 * This page's own connection in the top bar: a grade in words (never colour alone) with loss and delay, or that the
 * media is being recovered (ICE restart, rejoin) or the page is reconnecting. Announced politely to screen readers.
 */
export function LinkQuality({ snapshot }: { snapshot: Pick<ClassroomSnapshot, 'mediaLink' | 'ownHealth' | 'phase'> }) {
  const { t } = useTranslation();
  const { mediaLink, ownHealth, phase } = snapshot;
  if (mediaLink === 'idle' && phase !== 'reconnecting') return null;
  const recovering = mediaLink === 'recovering' || phase === 'reconnecting';
  // No grade until the first measurement: a fresh page is not a bad link.
  const grade = recovering ? 'down' : ownHealth ? gradeHealth(ownHealth) : null;
  return (
    <p className="link-quality" role="status" aria-live="polite" data-testid="link-quality" data-grade={recovering ? 'recovering' : (grade ?? 'measuring')}>
      <span className={`health__dot ${grade ? `health__dot--${grade}` : ''}`} aria-hidden="true" />
      {recovering ? (
        <span>{phase === 'reconnecting' ? t('phase.reconnecting') : t('health.recovering')}</span>
      ) : ownHealth && grade ? (
        <>
          <span>{t(`health.grades.${grade}`)}</span>
          <span className="link-quality__stats">{`${t('health.loss', { value: ownHealth.lossPct })} · ${t('health.rtt', { value: ownHealth.rttMs })}`}</span>
        </>
      ) : (
        <span>{t('health.measuring')}</span>
      )}
    </p>
  );
}
