import type { TFunction } from 'i18next';

/** "刚刚 / 12 秒 / 3 分钟" since an ISO time, for raised hands. */
export function formatWaited(t: TFunction, sinceIso: string, now: number): string {
  const since = Date.parse(sinceIso);
  if (Number.isNaN(since)) return '';
  const seconds = Math.max(0, Math.floor((now - since) / 1000));
  if (seconds < 5) return t('time.justNow');
  if (seconds < 60) return t('time.seconds', { count: seconds });
  return t('time.minutes', { count: Math.floor(seconds / 60) });
}

/** Wall-clock time of day (HH:mm:ss) in the page's language. */
export function formatClockTime(iso: string, lang: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(date);
}
