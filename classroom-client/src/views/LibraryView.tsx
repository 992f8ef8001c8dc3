import type { LibraryEntrySummary, LibraryFacets, LibrarySearchResult } from '@dualclass/protocol';
import { isClassroomError } from '@dualclass/protocol';
import { useCallback, useContext, useEffect, useId, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { AppShell } from '../components/AppShell.tsx';
import {
  EntryTags,
  LibraryContext,
  LibraryStatusBadge,
  ProgressBar,
  Thumbnail,
  useLibrary,
  type LibrarySession,
} from '../components/LibraryParts.tsx';
import { Link, navigate, useDocumentTitle, useLocation } from '../components/navigation.tsx';
import { Icon } from '../components/Icon.tsx';
import { StatusBanner } from '../components/StatusBanner.tsx';
import { UploadForm } from '../components/UploadForm.tsx';
import { describeError } from '../components/useAction.tsx';
import { LibraryApi } from '../core/library-api.ts';
import {
  buildSearchParams,
  DEFAULT_PAGE_SIZE,
  emptyQuery,
  entryPath,
  formatDuration,
  identityFromToken,
  LIBRARY_FILTERS,
  LIBRARY_POLL_MS,
  LIBRARY_TOKEN_STORAGE_KEY,
  needsPolling,
  pageCount,
  parseSearchParams,
  progressPercent,
  resolveLibraryRoute,
  type LibraryFilter,
  type LibraryQuery,
} from '../core/library.ts';
import { LibraryEntryView } from './LibraryEntryView.tsx';

/**
 * 资源库: `/library` (search) and `/library/<id>` (one entry). The token comes from the link's fragment
 * (main.tsx keeps it in sessionStorage and takes it out of the URL); its role, read from the JWT payload,
 * only decides which controls to show: the server checks every request.
 */
export function LibraryApp({ token }: { token: string | null }) {
  const [refused, setRefused] = useState(false);
  const session = useMemo<LibrarySession | null>(() => {
    if (!token) return null;
    return {
      api: new LibraryApi(token),
      identity: identityFromToken(token),
      onUnauthenticated: () => {
        try {
          sessionStorage.removeItem(LIBRARY_TOKEN_STORAGE_KEY);
        } catch {
          // nothing kept
        }
        setRefused(true);
      },
    };
  }, [token]);
  const { pathname } = useLocation();
  const route = resolveLibraryRoute(pathname) ?? { page: 'notFound' as const };

  if (!session || refused) {
    return (
      <AppShell variant="library" header={<LibraryHeader />}>
        <LibraryPanel kind={session ? 'tokenInvalid' : 'tokenMissing'} />
      </AppShell>
    );
  }
  return (
    <LibraryContext.Provider value={session}>
      <AppShell variant="library" header={<LibraryHeader />}>
        {route.page === 'search' ? <LibrarySearchView /> : null}
        {route.page === 'entry' ? <LibraryEntryView key={route.id} id={route.id} /> : null}
        {route.page === 'notFound' ? <LibraryPanel kind="notFound" actions={<BackToLibrary className="btn btn--primary" />} /> : null}
      </AppShell>
    </LibraryContext.Provider>
  );
}

function LibraryHeader() {
  const { t } = useTranslation();
  // Also rendered without a session (the link panel): read the context without requiring it.
  const session = useContext(LibraryContext);
  const identity = session?.identity;
  return (
    <>
      <div className="topbar__lesson">
        <p className="lesson-title">
          <Link href="/library" className="lib-home">
            {t('library.title')}
          </Link>
        </p>
      </div>
      {identity ? (
        <span className="lib-who">
          {identity.name ? `${identity.name} · ` : ''}
          {t(`roles.${identity.role}`)}
        </span>
      ) : null}
    </>
  );
}

/** A whole-page message: no token, a refused token, an unknown page or entry. */
export function LibraryPanel({ kind, actions }: { kind: 'tokenMissing' | 'tokenInvalid' | 'notFound'; actions?: ReactNode }) {
  const { t } = useTranslation();
  return (
    <section className="panel panel--error" aria-labelledby="library-panel-title">
      <div className="panel__icon" aria-hidden="true">
        <Icon name="link" />
      </div>
      <div role="alert">
        <h1 id="library-panel-title" className="panel__title">
          {t(`library.panel.${kind}`)}
        </h1>
        <p className="panel__body">{t(`library.panel.${kind}Body`)}</p>
      </div>
      {actions ? <div className="panel__actions">{actions}</div> : null}
    </section>
  );
}

export function BackToLibrary({ className = 'btn btn--ghost' }: { className?: string }) {
  const { t } = useTranslation();
  return (
    <Link href="/library" className={className}>
      {t('library.back')}
    </Link>
  );
}

type Loaded<T> = { state: 'loading' } | { state: 'ok'; data: T } | { state: 'error'; message: string };

/** Search box, filters, results and paging; the query lives in the page URL so back/forward and links keep it. */
function LibrarySearchView() {
  const { t } = useTranslation();
  useDocumentTitle(`${t('library.title')} · ${t('app.name')}`);
  const { api, may, onUnauthenticated } = useLibrary();
  const { search } = useLocation();
  const query = useMemo(() => parseSearchParams(search), [search]);
  const queryKey = buildSearchParams(query).toString();
  const [facets, setFacets] = useState<LibraryFacets | null>(null);
  const [results, setResults] = useState<Loaded<LibrarySearchResult>>({ state: 'loading' });
  const [reloadTick, setReloadTick] = useState(0);
  const headingRef = useRef<HTMLHeadingElement>(null);

  const fail = useCallback(
    (err: unknown) => {
      if (isClassroomError(err, 'UNAUTHENTICATED')) onUnauthenticated();
      return describeError(t, err);
    },
    [t, onUnauthenticated],
  );

  // Facets for the filter dropdowns: once, and again after an upload adds new values.
  useEffect(() => {
    const abort = new AbortController();
    api
      .facets(abort.signal)
      .then(setFacets)
      .catch((err: unknown) => {
        if (!abort.signal.aborted) fail(err);
      });
    return () => abort.abort();
  }, [api, fail, reloadTick]);

  // Results: on every query change; while anything on the page is processing, quietly again every few seconds.
  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = (quiet: boolean) => {
      if (!quiet) setResults((prev) => (prev.state === 'ok' ? prev : { state: 'loading' }));
      api
        .search(query, { pageSize: DEFAULT_PAGE_SIZE, signal: abort.signal })
        .then((data) => {
          if (abort.signal.aborted) return;
          setResults({ state: 'ok', data });
          if (needsPolling(data.items)) timer = setTimeout(() => load(true), LIBRARY_POLL_MS);
        })
        .catch((err: unknown) => {
          if (abort.signal.aborted) return;
          const message = fail(err);
          if (quiet) timer = setTimeout(() => load(true), LIBRARY_POLL_MS * 2);
          else setResults({ state: 'error', message });
        });
    };
    load(false);
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
    // queryKey stands for query
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, queryKey, reloadTick, fail]);

  const apply = (next: LibraryQuery) => {
    const params = buildSearchParams(next).toString();
    navigate(params ? `/library?${params}` : '/library');
  };

  const total = results.state === 'ok' ? results.data.total : 0;
  const pages = results.state === 'ok' ? pageCount(results.data.total, results.data.pageSize) : 1;
  const goToPage = (page: number) => {
    apply({ ...query, page });
    headingRef.current?.focus();
  };

  return (
    <div className="library">
      <section className="card library__search" aria-labelledby="library-title">
        <h1 id="library-title" className="card__title library__title">
          {t('library.title')}
        </h1>
        <SearchForm query={query} facets={facets} onApply={apply} />
      </section>

      {may('library:upload') ? (
        <details className="card library__upload">
          <summary className="card__title">{t('library.upload.title')}</summary>
          <UploadForm onUploaded={() => setReloadTick((n) => n + 1)} />
        </details>
      ) : null}

      <section className="library__results" aria-labelledby="results-title" aria-busy={results.state === 'loading'}>
        <h2 id="results-title" className="library__results-title" tabIndex={-1} ref={headingRef}>
          {t('library.resultsTitle')}
          <span className="card__count" role="status">
            {results.state === 'ok' ? t('library.results', { count: total }) : results.state === 'loading' ? t('library.loading') : ''}
          </span>
        </h2>
        {results.state === 'error' ? (
          <StatusBanner
            tone="error"
            title={t('library.searchFailed')}
            actions={
              <button type="button" className="btn" onClick={() => setReloadTick((n) => n + 1)}>
                {t('errors.retry')}
              </button>
            }
          >
            {results.message}
          </StatusBanner>
        ) : null}
        {results.state === 'ok' && results.data.items.length === 0 ? (
          <p className="library__empty muted">{queryKey === '' ? t('library.emptyAll') : t('library.empty')}</p>
        ) : null}
        {results.state === 'ok' && results.data.items.length > 0 ? (
          <ul className="lib-grid" aria-label={t('library.resultsLabel', { count: total })}>
            {results.data.items.map((entry) => (
              <LibraryCard key={entry.id} entry={entry} />
            ))}
          </ul>
        ) : null}
        {pages > 1 ? (
          <nav className="pager" aria-label={t('library.pager')}>
            <button type="button" className="btn" disabled={query.page <= 1} onClick={() => goToPage(query.page - 1)}>
              {t('library.prev')}
            </button>
            <span>{t('library.page', { page: Math.min(query.page, pages), pages })}</span>
            <button type="button" className="btn" disabled={query.page >= pages} onClick={() => goToPage(query.page + 1)}>
              {t('library.next')}
            </button>
          </nav>
        ) : null}
      </section>
    </div>
  );
}

const FACET_OF: Record<LibraryFilter, keyof LibraryFacets> = {
  subject: 'subjects',
  grade: 'grades',
  school: 'schools',
  teacher: 'teachers',
  knowledgePoint: 'knowledgePoints',
};

function SearchForm({ query, facets, onApply }: { query: LibraryQuery; facets: LibraryFacets | null; onApply: (q: LibraryQuery) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const [text, setText] = useState(query.q);
  // The box follows the URL (back/forward, a reset), not the other way round while typing.
  useEffect(() => setText(query.q), [query.q]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply({ ...query, q: text, page: 1 });
  };
  const active = LIBRARY_FILTERS.filter((f) => query[f]).length + (query.kind ? 1 : 0);
  const filtered = active > 0 || query.q !== '';
  // On a phone the filters fold away behind one button (always shown on wider screens, see styles.css).
  const [open, setOpen] = useState(false);

  return (
    <form className="lib-search" role="search" onSubmit={submit} aria-label={t('library.searchLabel')}>
      <div className="lib-search__box">
        <label className="sr-only" htmlFor={`${id}-q`}>
          {t('library.searchLabel')}
        </label>
        <input
          id={`${id}-q`}
          className="field__control"
          type="search"
          name="q"
          value={text}
          maxLength={100}
          placeholder={t('library.searchPlaceholder')}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit" className="btn btn--primary">
          {t('library.search')}
        </button>
      </div>
      <button
        type="button"
        className="btn btn--small lib-filters__toggle"
        aria-expanded={open}
        aria-controls={`${id}-filters`}
        onClick={() => setOpen((o) => !o)}
      >
        {active > 0 ? t('library.filtersActive', { count: active }) : t('library.filtersToggle')}
      </button>
      <div id={`${id}-filters`} className={`lib-filters ${open ? '' : 'lib-filters--folded'}`}>
        {LIBRARY_FILTERS.map((filter) => {
          const options = facets?.[FACET_OF[filter]] ?? [];
          const value = query[filter];
          // A value from the URL that the facets do not list (yet) still shows as selected.
          const all = value && !options.includes(value) ? [value, ...options] : options;
          return (
            <div className="field" key={filter}>
              <label className="field__label" htmlFor={`${id}-${filter}`}>
                {t(`library.filters.${filter}`)}
              </label>
              <select
                id={`${id}-${filter}`}
                className="field__control"
                value={value}
                onChange={(e) => onApply({ ...query, q: text, [filter]: e.target.value, page: 1 })}
              >
                <option value="">{t('library.any')}</option>
                {all.map((option) => (
                  <option key={option} value={option}>
                    {option}
                  </option>
                ))}
              </select>
            </div>
          );
        })}
        <fieldset className="fieldset lib-filters__kind">
          <legend className="field__label">{t('library.filters.kind')}</legend>
          <div className="segmented">
            {(['', 'recording', 'upload'] as const).map((kind) => (
              <label key={kind || 'any'} className="segmented__item">
                <input
                  type="radio"
                  name={`${id}-kind`}
                  value={kind}
                  checked={query.kind === kind}
                  onChange={() => onApply({ ...query, q: text, kind, page: 1 })}
                />
                <span>{kind ? t(`library.kinds.${kind}`) : t('library.any')}</span>
              </label>
            ))}
          </div>
        </fieldset>
      </div>
      {filtered ? (
        <p className="lib-search__reset">
          <button type="button" className="btn btn--small btn--ghost" onClick={() => onApply(emptyQuery)}>
            {t('library.reset')}
          </button>
        </p>
      ) : null}
    </form>
  );
}

function LibraryCard({ entry }: { entry: LibraryEntrySummary }) {
  const { t, i18n } = useTranslation();
  const titleId = useId();
  const created = new Date(entry.createdAt);
  return (
    <li className={`lib-card lib-card--${entry.status}`} data-testid="library-card" data-entry-id={entry.id}>
      <article aria-labelledby={titleId}>
        <Link href={entryPath(entry.id)} className="lib-card__media" tabIndex={-1} aria-hidden="true">
          <Thumbnail entry={entry} />
          {entry.durationSeconds !== null ? <span className="lib-card__duration">{formatDuration(entry.durationSeconds)}</span> : null}
        </Link>
        <div className="lib-card__body">
          <div className="lib-card__badges">
            <span className={`chip lib-kind lib-kind--${entry.kind}`}>{t(`library.kinds.${entry.kind}`)}</span>
            <LibraryStatusBadge status={entry.status} />
          </div>
          <h3 id={titleId} className="lib-card__title">
            <Link href={entryPath(entry.id)}>{entry.title}</Link>
          </h3>
          <EntryTags entry={entry} compact />
          {entry.status === 'processing' ? (
            <div className="lib-card__progress">
              <ProgressBar value={entry.progress} label={t('library.progressFor', { title: entry.title })} />
              <span className="muted">{t('library.processing', { pct: progressPercent(entry.progress) })}</span>
            </div>
          ) : null}
          <p className="lib-card__meta muted">
            {entry.durationSeconds !== null ? <span>{t('library.duration', { time: formatDuration(entry.durationSeconds) })}</span> : null}
            <span>{t('library.downloads', { count: entry.downloadCount })}</span>
            {Number.isNaN(created.getTime()) ? null : <span>{created.toLocaleDateString(i18n.language)}</span>}
          </p>
        </div>
      </article>
    </li>
  );
}
