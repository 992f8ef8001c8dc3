import 'webrtc-adapter';
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { ClassroomClient, type ClassroomClientOptions } from './core/client.ts';
import { resolveLibraryRoute, takeLibraryToken } from './core/library.ts';
import { readJoinLink, resolveView, type ViewName } from './core/link.ts';
import { installTestHook } from './core/test-hook.ts';
import { initI18n } from './i18n/index.ts';

/**
 * Per view: what the client receives and which simulcast layer suits the screen. The studio does not watch
 * itself; a local teacher's console sits in the room beside the big screen, so it plays no lesson media
 * (only its own room's thumbnail, which the console asks for as a wall tile). Wall thumbnails are always layer 0.
 */
const CLIENT_OPTIONS: Record<Exclude<ViewName, 'admin'>, Pick<ClassroomClientOptions, 'consume'>> = {
  studio: { consume: () => ({ master: false, stage: 1 }) },
  classroom: { consume: (role) => (role === 'local_teacher' ? { master: false, stage: false } : { master: 2, stage: 1 }) },
  student: { consume: () => ({ master: 1, stage: 1 }) },
  observer: { consume: () => ({ master: 1, stage: 1 }) },
};

async function start(): Promise<void> {
  await initI18n();
  const view = resolveView(window.location.pathname);
  const link = readJoinLink(window.location.hash, window.location.search);
  const library = resolveLibraryRoute(window.location.pathname) ? openLibrary() : null;

  // One client per page, created outside React so StrictMode's double effects cannot open two sockets.
  let client: ClassroomClient | undefined;
  if (view && view !== 'admin' && link.ok) {
    client = new ClassroomClient({ token: link.token, lessonId: link.lessonId, ...CLIENT_OPTIONS[view] });
    installTestHook(client);
    client.connect();
    window.addEventListener('pagehide', () => client?.close());
    // Restored from the back/forward cache with a closed client: start over.
    window.addEventListener('pageshow', (event) => {
      if (event.persisted) window.location.reload();
    });
  }

  const root = document.getElementById('root');
  if (!root) throw new Error('#root missing from index.html');
  createRoot(root).render(
    <StrictMode>
      <App view={view} link={link} client={client} library={library} />
    </StrictMode>,
  );
}

/**
 * Library pages: the token moves from the link's fragment into this tab's sessionStorage and the fragment
 * leaves the address bar (and history), so it is never bookmarked, shared by copy-paste or sent anywhere.
 */
function openLibrary(): { token: string | null } {
  let store: Storage | null = null;
  try {
    store = window.sessionStorage;
  } catch {
    store = null;
  }
  const { token, cleanedHash } = takeLibraryToken(window.location.hash, store);
  if (cleanedHash !== null) window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}${cleanedHash}`);
  return { token };
}

void start();
