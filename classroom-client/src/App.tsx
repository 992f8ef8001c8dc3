import { ROLE_VIEW_PATH } from '@dualclass/protocol';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { AppShell } from './components/AppShell.tsx';
import type { ClassroomClient } from './core/client.ts';
import { useClassroom } from './core/hooks.ts';
import { viewForRole, type JoinLink, type ViewName } from './core/link.ts';
import { AdminView } from './views/AdminView.tsx';
import { ClassroomView } from './views/ClassroomView.tsx';
import { HomeView, LinkErrorView } from './views/HomeView.tsx';
import { LibraryApp } from './views/LibraryView.tsx';
import { ObserverView } from './views/ObserverView.tsx';
import { StudentView } from './views/StudentView.tsx';
import { StudioView } from './views/StudioView.tsx';

export type LessonViewName = Exclude<ViewName, 'admin'>;

/**
 * The whole router: the first path segment picks the view (see core/link.ts resolveView).
 * `/admin` needs no lesson connection; the lesson views need a token in the fragment, and once
 * joined, a token whose role belongs to another view is sent there. `/library` and `/library/<id>`
 * (the resource library, no lesson connection) route inside LibraryApp.
 */
export function App({
  view,
  link,
  client,
  library = null,
}: {
  view: ViewName | null;
  link: JoinLink;
  client: ClassroomClient | undefined;
  /** Set on library pages: the library token from the link or this tab's sessionStorage. */
  library?: { token: string | null } | null;
}) {
  if (library) return <LibraryApp token={library.token} />;
  if (view === null) return <HomeView notFound={window.location.pathname !== '/'} />;
  if (view === 'admin') return <AdminView />;
  if (!link.ok || !client) return <LinkErrorView variant={view} reason={link.ok ? 'malformed' : link.reason} />;
  return <LessonRoute view={view} client={client} />;
}

function LessonRoute({ view, client }: { view: LessonViewName; client: ClassroomClient }) {
  const { self } = useClassroom(client);
  const expected = self ? viewForRole(self.role) : view;
  const mismatch = expected !== view;
  useEffect(() => {
    if (mismatch) client.close();
  }, [mismatch, client]);
  if (mismatch && self) return <WrongView role={self.role} view={expected} />;
  switch (view) {
    case 'studio':
      return <StudioView client={client} />;
    case 'classroom':
      return <ClassroomView client={client} />;
    case 'student':
      return <StudentView client={client} />;
    case 'observer':
      return <ObserverView client={client} />;
  }
}

function WrongView({ role, view }: { role: keyof typeof ROLE_VIEW_PATH; view: ViewName }) {
  const { t } = useTranslation();
  const href = `${ROLE_VIEW_PATH[role]}${window.location.search}${window.location.hash}`;
  return (
    <AppShell variant="home">
      <section className="panel" aria-labelledby="wrong-view-title">
        <h1 id="wrong-view-title" className="panel__title">
          {t('wrongView.title')}
        </h1>
        <p className="panel__body">{t('wrongView.body', { role: t(`roles.${role}`) })}</p>
        <p>
          <a className="btn btn--primary" href={href}>
            {t('wrongView.go', { view: t(`views.${view}`) })}
          </a>
        </p>
      </section>
    </AppShell>
  );
}
