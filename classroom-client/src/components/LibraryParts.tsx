import { can, type LibraryEntrySummary, type LibraryStatus, type Permission } from '@dualclass/protocol';
import { createContext, useContext, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { LibraryApi } from '../core/library-api.ts';
import { progressPercent, type LibraryIdentity } from '../core/library.ts';

/** What every library page needs: the API (with the token) and who the token says we are. */
export interface LibrarySession {
  api: LibraryApi;
  identity: LibraryIdentity | null;
  /** The server refused the token (401): the page shows the link panel. */
  onUnauthenticated: () => void;
}

export const LibraryContext = createContext<LibrarySession | null>(null);

export function useLibrary(): LibrarySession & { may: (permission: Permission) => boolean } {
  const session = useContext(LibraryContext);
  if (!session) throw new Error('useLibrary outside LibraryContext');
  const role = session.identity?.role;
  return { ...session, may: (permission) => (role ? can(role, permission) : false) };
}

/** Processing progress, announced to assistive technology as a progressbar with its value. */
export function ProgressBar({ value, label, className = '' }: { value: number | null; label: string; className?: string }) {
  const pct = progressPercent(value);
  return (
    <div
      className={`progress ${className}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
      aria-valuetext={`${pct}%`}
    >
      <div className="progress__bar" style={{ width: `${pct}%` }} />
    </div>
  );
}

export function LibraryStatusBadge({ status }: { status: LibraryStatus }) {
  const { t } = useTranslation();
  return (
    <span className={`chip lib-status lib-status--${status}`}>
      <span className="badge__dot" aria-hidden="true" />
      {t(`library.status.${status}`)}
    </span>
  );
}

/** The entry's thumbnail, fetched with the bearer header and shown through an object URL (revoked on unmount). */
export function useThumbnail(entryId: string, hasThumbnail: boolean): string | null {
  const { api } = useLibrary();
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!hasThumbnail) return;
    const abort = new AbortController();
    let objectUrl: string | null = null;
    api
      .thumbnail(entryId, abort.signal)
      .then((blob) => {
        if (abort.signal.aborted) return;
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      })
      .catch(() => undefined); // no thumbnail is not an error worth showing
    return () => {
      abort.abort();
      if (objectUrl) URL.revokeObjectURL(objectUrl);
      setUrl(null);
    };
  }, [api, entryId, hasThumbnail]);
  return url;
}

export function Thumbnail({ entry, className = '' }: { entry: Pick<LibraryEntrySummary, 'id' | 'hasThumbnail' | 'kind'>; className?: string }) {
  const { t } = useTranslation();
  const url = useThumbnail(entry.id, entry.hasThumbnail);
  return (
    <div className={`lib-thumb ${className}`}>
      {url ? (
        // Decorative: the card's title says what it is.
        <img src={url} alt="" loading="lazy" decoding="async" />
      ) : (
        <span className="lib-thumb__none">{t('library.noThumbnail')}</span>
      )}
    </div>
  );
}

/** Subject, grade, teacher, school and knowledge points as a description list of chips. */
export function EntryTags({ entry, compact = false }: { entry: Pick<LibraryEntrySummary, 'subject' | 'grade' | 'teacherName' | 'school' | 'knowledgePoints'>; compact?: boolean }) {
  const { t } = useTranslation();
  const rows: [string, string][] = [
    [t('lesson.subject'), entry.subject],
    [t('lesson.grade'), entry.grade],
    [t('library.teacher'), entry.teacherName],
    [t('lesson.school'), entry.school],
  ];
  return (
    <dl className={`lib-tags ${compact ? 'lib-tags--compact' : ''}`}>
      {rows
        .filter(([, value]) => value)
        .map(([label, value]) => (
          <div key={label}>
            <dt className="sr-only">{label}</dt>
            <dd className="chip">{value}</dd>
          </div>
        ))}
      {entry.knowledgePoints.length > 0 ? (
        <div>
          <dt className="sr-only">{t('lesson.knowledgePoints')}</dt>
          {entry.knowledgePoints.map((kp) => (
            <dd key={kp} className="chip chip--kp">
              {kp}
            </dd>
          ))}
        </div>
      ) : null}
    </dl>
  );
}
