import { useTranslation } from 'react-i18next';
import { AppShell } from '../components/AppShell.tsx';
import { PhasePanel } from '../components/PhasePanel.tsx';

/** `/` and unknown paths: there is nothing to do here without a lesson link. */
export function HomeView({ notFound }: { notFound: boolean }) {
  const { t } = useTranslation();
  return (
    <AppShell variant="home">
      <section className="panel" aria-labelledby="home-title">
        <h1 id="home-title" className="panel__title">
          {notFound ? t('home.notFound') : t('home.title')}
        </h1>
        <p className="panel__body">{t('home.body')}</p>
      </section>
    </AppShell>
  );
}

/** The page was opened without a usable token: say so at once, without contacting the server. */
export function LinkErrorView({ variant, reason }: { variant: 'studio' | 'classroom' | 'student' | 'observer'; reason: 'missing' | 'malformed' }) {
  return (
    <AppShell variant={variant}>
      <PhasePanel kind={reason === 'missing' ? 'token_missing' : 'token_invalid'} />
    </AppShell>
  );
}
