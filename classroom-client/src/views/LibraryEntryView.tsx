import { isClassroomError, type LibraryEntry, type LibraryFile } from '@dualclass/protocol';
import { useCallback, useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { HlsPlayer } from '../components/HlsPlayer.tsx';
import { EntryTags, LibraryStatusBadge, ProgressBar, Thumbnail, useLibrary } from '../components/LibraryParts.tsx';
import { Link, useDocumentTitle } from '../components/navigation.tsx';
import { StatusBanner } from '../components/StatusBanner.tsx';
import { ActionError, describeError, useAction } from '../components/useAction.tsx';
import {
  activeCommentIds,
  chapterIndexAt,
  downloadableFiles,
  formatBytes,
  formatDuration,
  formatTimecode,
  LIBRARY_POLL_MS,
  needsPolling,
  playableUpload,
  progressPercent,
  sortChapters,
  timedComments,
} from '../core/library.ts';

type Loaded = { state: 'loading' } | { state: 'ok'; entry: LibraryEntry } | { state: 'error'; message: string; notFound: boolean };

/**
 * One library entry: the player (HLS for recordings; a plain <video> for an uploaded MP4; a download for
 * courseware), chapters that seek, observer comments that light up as the playhead passes them (only sent to
 * roles that may read them), gaps in the recording, and the files with their downloads. While the recording
 * is still processing the page shows its progress and asks again every few seconds.
 */
export function LibraryEntryView({ id }: { id: string }) {
  const { t } = useTranslation();
  const { api, onUnauthenticated } = useLibrary();
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const focused = useRef(false);

  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = (quiet: boolean) => {
      api
        .entry(id, abort.signal)
        .then((entry) => {
          if (abort.signal.aborted) return;
          setLoaded({ state: 'ok', entry });
          if (needsPolling([entry])) timer = setTimeout(() => load(true), LIBRARY_POLL_MS);
        })
        .catch((err: unknown) => {
          if (abort.signal.aborted) return;
          if (isClassroomError(err, 'UNAUTHENTICATED')) onUnauthenticated();
          if (quiet) {
            timer = setTimeout(() => load(true), LIBRARY_POLL_MS * 2);
            return;
          }
          setLoaded({ state: 'error', message: describeError(t, err), notFound: isClassroomError(err, 'NOT_FOUND') });
        });
    };
    load(tick > 0);
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [api, id, tick, t, onUnauthenticated]);

  // Moving between pages inside the app: put focus on the new page's heading, once.
  useEffect(() => {
    if (loaded.state !== 'ok' || focused.current) return;
    focused.current = true;
    headingRef.current?.focus();
  }, [loaded.state]);

  const refresh = useCallback(() => setTick((n) => n + 1), []);

  if (loaded.state === 'loading') {
    return (
      <p className="library__loading" role="status">
        <span className="spinner" aria-hidden="true" /> {t('library.loading')}
      </p>
    );
  }
  if (loaded.state === 'error') {
    return (
      <section className="panel panel--error" aria-labelledby="entry-error-title">
        <div role="alert">
          <h1 id="entry-error-title" className="panel__title">
            {loaded.notFound ? t('library.panel.notFound') : t('library.loadFailed')}
          </h1>
          <p className="panel__body">{loaded.notFound ? t('library.panel.notFoundBody') : loaded.message}</p>
        </div>
        <div className="panel__actions">
          {loaded.notFound ? null : (
            <button type="button" className="btn btn--primary" onClick={refresh}>
              {t('errors.retry')}
            </button>
          )}
          <Link href="/library" className="btn">
            {t('library.back')}
          </Link>
        </div>
      </section>
    );
  }
  return <EntryPage entry={loaded.entry} headingRef={headingRef} onChanged={refresh} />;
}

function EntryPage({ entry, headingRef, onChanged }: { entry: LibraryEntry; headingRef: RefObject<HTMLHeadingElement | null>; onChanged: () => void }) {
  const { t, i18n } = useTranslation();
  const { api } = useLibrary();
  useDocumentTitle(`${entry.title} · ${t('library.title')}`);
  const videoRef = useRef<HTMLVideoElement | null>(null);
  const [time, setTime] = useState(0);
  const chapters = useMemo(() => sortChapters(entry.chapters), [entry.chapters]);
  const comments = useMemo(() => timedComments(entry.comments), [entry.comments]);
  const files = useMemo(() => downloadableFiles(entry.files), [entry.files]);
  const upload = useMemo(() => playableUpload(entry.files), [entry.files]);
  const created = new Date(entry.createdAt);
  const hlsSrc = entry.status === 'ready' && entry.hlsPath ? api.url(entry.hlsPath) : null;
  const canSeek = hlsSrc !== null || upload !== null;

  const seek = useCallback((seconds: number) => {
    const video = videoRef.current;
    if (!video) return;
    video.currentTime = seconds;
    setTime(seconds);
    void video.play().catch(() => undefined);
  }, []);

  return (
    <div className="entry">
      <header className="entry__head">
        <p className="entry__crumbs">
          <Link href="/library">{t('library.back')}</Link>
        </p>
        <h1 className="entry__title" ref={headingRef} tabIndex={-1}>
          {entry.title}
        </h1>
        <div className="lib-card__badges">
          <span className={`chip lib-kind lib-kind--${entry.kind}`}>{t(`library.kinds.${entry.kind}`)}</span>
          <LibraryStatusBadge status={entry.status} />
        </div>
        <EntryTags entry={entry} />
        <p className="entry__meta muted">
          {entry.durationSeconds !== null ? <span>{t('library.duration', { time: formatDuration(entry.durationSeconds) })}</span> : null}
          <span data-testid="download-count">{t('library.downloads', { count: entry.downloadCount })}</span>
          {Number.isNaN(created.getTime()) ? null : <span>{t('library.created', { date: created.toLocaleString(i18n.language) })}</span>}
        </p>
      </header>

      <div className="entry__layout">
        <div className="entry__main">
          <EntryStage entry={entry} hlsSrc={hlsSrc} upload={upload} videoRef={videoRef} onTime={setTime} onChanged={onChanged} />
          {comments.length > 0 && canSeek ? <NowComments comments={comments} time={time} /> : null}
        </div>

        <div className="entry__side">
          {chapters.length > 0 ? <Chapters chapters={chapters} time={time} onSeek={canSeek ? seek : null} /> : null}
          {comments.length > 0 ? <CommentList comments={comments} time={time} onSeek={canSeek ? seek : null} /> : null}
          {entry.gaps.length > 0 ? <Gaps entry={entry} /> : null}
          <Files entry={entry} files={files} onChanged={onChanged} />
          {entry.description ? (
            <section className="card" aria-labelledby="entry-desc-title">
              <h2 id="entry-desc-title" className="card__title">
                {t('library.description')}
              </h2>
              <p className="entry__desc">{entry.description}</p>
            </section>
          ) : null}
        </div>
      </div>
    </div>
  );
}

/** What takes the player's place, by status and kind. */
function EntryStage({
  entry,
  hlsSrc,
  upload,
  videoRef,
  onTime,
  onChanged,
}: {
  entry: LibraryEntry;
  hlsSrc: string | null;
  upload: LibraryFile | null;
  videoRef: RefObject<HTMLVideoElement | null>;
  onTime: (s: number) => void;
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const { api } = useLibrary();
  if (entry.status === 'processing') {
    return (
      <section className="card entry__state" aria-labelledby="entry-state-title">
        <h2 id="entry-state-title" className="card__title">
          {t('library.status.processing')}
        </h2>
        <ProgressBar value={entry.progress} label={t('library.progressFor', { title: entry.title })} />
        <p className="muted">
          {t('library.processing', { pct: progressPercent(entry.progress) })} · {t('library.processingBody')}
        </p>
      </section>
    );
  }
  if (entry.status === 'recording') {
    return (
      <StatusBanner tone="info" title={t('library.status.recording')}>
        {t('library.recordingBody')}
      </StatusBanner>
    );
  }
  if (entry.status === 'failed') {
    return (
      <StatusBanner tone="error" title={t('library.failedTitle')}>
        {entry.failureReason ? t('library.failureReason', { reason: entry.failureReason }) : t('library.failedBody')}
      </StatusBanner>
    );
  }
  if (hlsSrc) return <HlsPlayer src={hlsSrc} token={api.token} videoRef={videoRef} label={t('library.player.label', { title: entry.title })} onTimeUpdate={onTime} />;
  if (upload) return <UploadVideo entry={entry} file={upload} videoRef={videoRef} onTime={onTime} onChanged={onChanged} />;
  if (entry.kind === 'upload') return <DocumentStage entry={entry} onChanged={onChanged} />;
  return (
    <div className="entry__noplay">
      <Thumbnail entry={entry} />
      <p className="muted">{t('library.noPlayback')}</p>
    </div>
  );
}

/** Asks for a download ticket and lets the browser save the file (same origin, so `download` names it). */
function useDownload(entry: LibraryEntry, onChanged: () => void) {
  const { t } = useTranslation();
  const { api } = useLibrary();
  const action = useAction({ FORBIDDEN: t('library.downloadForbidden') });
  const download = (file: LibraryFile) =>
    action.run(async () => {
      const ticket = await api.downloadTicket(entry.id, file.id);
      const a = document.createElement('a');
      a.href = api.url(ticket.url);
      a.download = file.fileName;
      a.rel = 'noopener';
      a.hidden = true;
      document.body.append(a);
      a.click();
      a.remove();
      onChanged(); // the count went up
    });
  return { download, busy: action.busy, error: action.error };
}

/** An uploaded MP4 plays from a download ticket's URL (asked for on "play", since a ticket counts a download). */
function UploadVideo({
  entry,
  file,
  videoRef,
  onTime,
  onChanged,
}: {
  entry: LibraryEntry;
  file: LibraryFile;
  videoRef: RefObject<HTMLVideoElement | null>;
  onTime: (s: number) => void;
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const { api, may } = useLibrary();
  const [src, setSrc] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  const action = useAction({ FORBIDDEN: t('library.downloadForbidden') });
  const start = () =>
    void action.run(async () => {
      const ticket = await api.downloadTicket(entry.id, file.id);
      setFailed(false);
      setSrc(api.url(ticket.url));
      onChanged();
    });
  if (!may('library:download')) {
    return (
      <div className="entry__noplay">
        <Thumbnail entry={entry} />
        <p className="muted">{t('library.videoNeedsDownload')}</p>
      </div>
    );
  }
  return (
    <div className="lib-player">
      {src ? (
        <video
          ref={videoRef}
          className="lib-player__video"
          data-testid="library-video"
          src={src}
          controls
          autoPlay
          playsInline
          aria-label={t('library.player.label', { title: entry.title })}
          onTimeUpdate={(e) => onTime(e.currentTarget.currentTime)}
          onSeeked={(e) => onTime(e.currentTarget.currentTime)}
          onError={() => setFailed(true)}
        />
      ) : (
        <div className="lib-player__start">
          <Thumbnail entry={entry} className="lib-player__poster" />
          <button type="button" className="btn btn--primary btn--large lib-player__play" disabled={action.busy} onClick={start}>
            {t('library.playVideo')}
          </button>
        </div>
      )}
      {failed ? (
        <div className="lib-player__error" role="alert">
          <p>{t('library.player.media')}</p>
          <button type="button" className="btn btn--primary" onClick={start}>
            {t('errors.retry')}
          </button>
        </div>
      ) : null}
      <ActionError error={action.error} />
    </div>
  );
}

/** Courseware (PDF, PPTX): a download is how it is used. */
function DocumentStage({ entry, onChanged }: { entry: LibraryEntry; onChanged: () => void }) {
  const { t } = useTranslation();
  const { may } = useLibrary();
  const file = entry.files.find((f) => f.role === 'upload') ?? null;
  const { download, busy, error } = useDownload(entry, onChanged);
  return (
    <section className="card entry__doc" aria-labelledby="entry-doc-title">
      <h2 id="entry-doc-title" className="card__title">
        {t('library.document')}
      </h2>
      {file ? (
        <p>
          <span className="entry__filename">{file.fileName}</span> <span className="muted">{formatBytes(file.bytes)}</span>
        </p>
      ) : null}
      {file && may('library:download') ? (
        <button type="button" className="btn btn--primary btn--large" disabled={busy} onClick={() => void download(file)}>
          {t('library.downloadDocument')}
        </button>
      ) : (
        <p className="muted">{t('library.noDownload')}</p>
      )}
      <ActionError error={error} />
    </section>
  );
}

function Chapters({ chapters, time, onSeek }: { chapters: ReturnType<typeof sortChapters>; time: number; onSeek: ((s: number) => void) | null }) {
  const { t } = useTranslation();
  const current = chapterIndexAt(chapters, time);
  return (
    <section className="card" aria-labelledby="chapters-title">
      <h2 id="chapters-title" className="card__title">
        {t('library.chapters')}
        <span className="card__count">{chapters.length}</span>
      </h2>
      <ol className="chapters">
        {chapters.map((chapter, i) => {
          const isCurrent = i === current;
          const content = (
            <>
              <span className="chapters__time">{formatDuration(chapter.atSeconds)}</span>
              <span className={`chip chapters__kind chapters__kind--${chapter.kind}`}>{t(`library.chapterKinds.${chapter.kind}`)}</span>
              <span className="chapters__title">{chapter.title}</span>
              {isCurrent ? <span className="sr-only">{t('library.nowPlaying')}</span> : null}
            </>
          );
          return (
            <li key={`${chapter.atSeconds}-${i}`} className={isCurrent ? 'chapters__item chapters__item--current' : 'chapters__item'}>
              {onSeek ? (
                <button
                  type="button"
                  className="chapters__btn"
                  aria-current={isCurrent ? 'true' : undefined}
                  aria-label={t('library.seekTo', { time: formatDuration(chapter.atSeconds), title: chapter.title })}
                  data-testid="chapter"
                  onClick={() => onSeek(chapter.atSeconds)}
                >
                  {content}
                </button>
              ) : (
                <div className="chapters__btn">{content}</div>
              )}
            </li>
          );
        })}
      </ol>
    </section>
  );
}

/** Observer comments at their time in the recording; the ones the playhead just passed are highlighted. */
function CommentList({ comments, time, onSeek }: { comments: ReturnType<typeof timedComments>; time: number; onSeek: ((s: number) => void) | null }) {
  const { t } = useTranslation();
  const active = activeCommentIds(comments, time);
  return (
    <section className="card" aria-labelledby="entry-comments-title">
      <h2 id="entry-comments-title" className="card__title">
        {t('library.comments')}
        <span className="card__count">{comments.length}</span>
      </h2>
      <p className="muted field__hint">{t('library.commentsNote')}</p>
      <ol className="lib-comments">
        {comments.map((c) => {
          const on = active.has(c.id);
          const passed = c.atSeconds <= time;
          return (
            <li
              key={c.id}
              className={`lib-comment ${on ? 'lib-comment--active' : ''} ${passed ? 'lib-comment--passed' : ''}`}
              data-testid="library-comment"
              data-active={on ? 'true' : 'false'}
            >
              {onSeek ? (
                <button
                  type="button"
                  className="btn btn--small btn--ghost lib-comment__time"
                  aria-label={t('library.seekToComment', { time: formatDuration(c.atSeconds), name: c.authorName })}
                  onClick={() => onSeek(c.atSeconds)}
                >
                  {formatDuration(c.atSeconds)}
                </button>
              ) : (
                <span className="lib-comment__time">{formatDuration(c.atSeconds)}</span>
              )}
              <div>
                <span className="lib-comment__author">{c.authorName}</span>
                <p className="lib-comment__text">{c.text}</p>
              </div>
            </li>
          );
        })}
      </ol>
    </section>
  );
}

/** Under the player: the comments at the playhead, read out politely as they come up. */
function NowComments({ comments, time }: { comments: ReturnType<typeof timedComments>; time: number }) {
  const { t } = useTranslation();
  const active = activeCommentIds(comments, time);
  const now = comments.filter((c) => active.has(c.id));
  return (
    <div className={`lib-now ${now.length ? 'lib-now--on' : ''}`} aria-live="polite" aria-label={t('library.commentsNow')}>
      {now.map((c) => (
        <p key={c.id} className="lib-now__item">
          <strong>{c.authorName}</strong> {c.text}
        </p>
      ))}
    </div>
  );
}

function Gaps({ entry }: { entry: LibraryEntry }) {
  const { t } = useTranslation();
  return (
    <section className="card" aria-labelledby="gaps-title">
      <h2 id="gaps-title" className="card__title">
        {t('library.gaps')}
        <span className="card__count">{entry.gaps.length}</span>
      </h2>
      <p className="muted field__hint">{t('library.gapsNote')}</p>
      <ul className="lib-gaps">
        {entry.gaps.map((g, i) => (
          <li key={`${g.track}-${g.fromSeconds}-${i}`} data-testid="library-gap">
            {t('library.gap', { from: formatTimecode(g.fromSeconds), to: formatTimecode(g.toSeconds), track: g.track })}
            {g.reason ? <span className="muted"> {t('library.gapReason', { reason: g.reason })}</span> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Files({ entry, files, onChanged }: { entry: LibraryEntry; files: LibraryFile[]; onChanged: () => void }) {
  const { t } = useTranslation();
  const { may } = useLibrary();
  const { download, busy, error } = useDownload(entry, onChanged);
  const allowed = may('library:download');
  if (files.length === 0) return null;
  return (
    <section className="card" aria-labelledby="files-title">
      <h2 id="files-title" className="card__title">
        {t('library.files')}
        <span className="card__count">{t('library.downloads', { count: entry.downloadCount })}</span>
      </h2>
      {allowed ? null : <p className="muted">{t('library.noDownload')}</p>}
      <ul className="lib-files">
        {files.map((file) => (
          <li key={file.id} className="lib-files__item">
            <div className="lib-files__info">
              <span className="lib-files__label">{file.label || t(`library.fileRoles.${file.role}`)}</span>
              <span className="muted lib-files__name">{file.fileName}</span>
              <span className="muted">
                {formatBytes(file.bytes)}
                {file.durationSeconds !== null ? ` · ${formatDuration(file.durationSeconds)}` : ''}
              </span>
            </div>
            {allowed ? (
              <button
                type="button"
                className="btn btn--small"
                disabled={busy || entry.status !== 'ready'}
                aria-label={t('library.downloadName', { name: file.fileName })}
                data-testid="download-file"
                onClick={() => void download(file)}
              >
                {t('library.download')}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      <ActionError error={error} />
    </section>
  );
}
