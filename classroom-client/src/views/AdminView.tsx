import { useTranslation } from 'react-i18next';
import { AppShell } from '../components/AppShell.tsx';

/** Placeholder until the dashboard issue brings the admin console. */
export function AdminView() {
  const { t } = useTranslation();
  return (
    <AppShell variant="admin">
      <section className="card prose" aria-labelledby="admin-title">
        <h1 id="admin-title">{t('admin.title')}</h1>
        <p>{t('admin.body')}</p>
        <nav aria-label={t('admin.links')}>
          <ul className="link-list">
            {(['studio', 'classroom', 'student', 'observer'] as const).map((view) => (
              <li key={view}>
                <a href={`/${view}`}>{t(`views.${view}`)}</a> <span className="muted">/{view}</span>
              </li>
            ))}
            <li>
              <a href="/healthz">{t('admin.health')}</a>
            </li>
          </ul>
        </nav>
        <p className="muted">{t('admin.readme')}</p>
      </section>
    </AppShell>
  );
}
