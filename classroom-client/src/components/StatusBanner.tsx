import type { ReactNode } from 'react';

export type BannerTone = 'info' | 'success' | 'warn' | 'error';

/**
 * A status line that assistive technology announces: polite `status` for progress,
 * assertive `alert` for errors. Keep it mounted and change its text, so changes are read out.
 */
export function StatusBanner({
  tone = 'info',
  title,
  children,
  actions,
  className = '',
}: {
  tone?: BannerTone;
  title: ReactNode;
  children?: ReactNode;
  actions?: ReactNode;
  className?: string;
}) {
  const alert = tone === 'error';
  return (
    <div role={alert ? 'alert' : 'status'} aria-live={alert ? 'assertive' : 'polite'} className={`banner banner--${tone} ${className}`}>
      <div className="banner__text">
        <strong className="banner__title">{title}</strong>
        {children ? <div className="banner__body">{children}</div> : null}
      </div>
      {actions ? <div className="banner__actions">{actions}</div> : null}
    </div>
  );
}
