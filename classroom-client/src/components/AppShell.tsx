import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguageSwitch } from './LanguageSwitch.tsx';

/**
 * Page frame: skip link, a banner landmark (brand, page-specific content, language switch) and
 * the main landmark. `variant` picks the layout in styles.css (big screen, phone, studio…).
 */
export function AppShell({
  variant,
  header,
  children,
  after,
}: {
  variant: 'studio' | 'classroom' | 'console' | 'student' | 'observer' | 'admin' | 'home' | 'library';
  header?: ReactNode;
  children: ReactNode;
  /** Rendered after <main> (dialogs, hidden audio). */
  after?: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <div className={`app app--${variant}`}>
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="topbar">
        <span className="brand">{t('app.name')}</span>
        <div className="topbar__content">{header}</div>
        <LanguageSwitch />
      </header>
      <main id="main" className="main" tabIndex={-1}>
        {children}
      </main>
      {after}
    </div>
  );
}
