import type { HealthReport } from '@dualclass/protocol';
import { useTranslation } from 'react-i18next';
import { gradeHealth, isStale } from '../core/health.ts';

/**
 * A classroom's link as numbers (up/down bitrate, loss, RTT), its mic level as a meter, and a grade whose
 * colour always comes with words. `reportedAt` marks data the device stopped refreshing.
 */
export function HealthMeter({ health, reportedAt, now, compact = false }: { health: HealthReport | null; reportedAt?: string | null; now: number; compact?: boolean }) {
  const { t } = useTranslation();
  const stale = health !== null && reportedAt ? isStale(reportedAt, now) : false;
  const grade = stale ? 'down' : gradeHealth(health);
  if (!health) {
    return (
      <p className="health health--none">
        <span className={`health__dot health__dot--down`} aria-hidden="true" />
        {t('health.noData')}
      </p>
    );
  }
  const level = Math.round(health.audioLevel * 100);
  return (
    <div className={`health health--${grade} ${compact ? 'health--compact' : ''}`}>
      <p className="health__grade">
        <span className={`health__dot health__dot--${grade}`} aria-hidden="true" />
        {stale ? t('health.stale') : `${t(`health.grades.${grade}`)} · ${t(`health.states.${health.state}`)}`}
      </p>
      <p className="health__stats">
        <span>{t('health.up', { value: Math.round(health.sendBitrateKbps) })}</span>
        <span>{t('health.loss', { value: health.lossPct })}</span>
        <span>{t('health.rtt', { value: health.rttMs })}</span>
      </p>
      <div className="level" role="meter" aria-label={t('health.level')} aria-valuemin={0} aria-valuemax={100} aria-valuenow={level}>
        <div className="level__bar" style={{ width: `${level}%` }} />
      </div>
    </div>
  );
}
