import { isClassroomError, type LibraryEntry, type LibraryTags } from '@dualclass/protocol';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { UploadProgress } from '../core/library-api.ts';
import { entryPath, formatBytes, splitKnowledgePoints, UPLOAD_ACCEPT, uploadTypeOf } from '../core/library.ts';
import { useLibrary, ProgressBar } from './LibraryParts.tsx';
import { Link } from './navigation.tsx';
import { ActionError, describeError } from './useAction.tsx';

type TagField = 'title' | 'subject' | 'grade' | 'teacherName' | 'school';
const REQUIRED: readonly TagField[] = ['title', 'subject', 'grade', 'teacherName', 'school'];
const MAX: Record<TagField, number> = { title: 120, subject: 40, grade: 40, teacherName: 60, school: 80 };

interface Draft {
  title: string;
  subject: string;
  grade: string;
  teacherName: string;
  school: string;
  knowledgePoints: string;
  description: string;
}

/**
 * 上传资源: courseware (PDF, PPTX) or a video (MP4) with the tags every library entry carries. Shown to roles
 * with library:upload; the server checks the role, the type (by the file's leading bytes) and the size.
 */
export function UploadForm({ onUploaded }: { onUploaded: (entry: LibraryEntry) => void }) {
  const { t } = useTranslation();
  const { api, identity, onUnauthenticated } = useLibrary();
  const id = useId();
  const fileRef = useRef<HTMLInputElement>(null);
  const abortRef = useRef<AbortController | null>(null);
  const empty: Draft = { title: '', subject: '', grade: '', teacherName: identity?.name ?? '', school: '', knowledgePoints: '', description: '' };
  const [draft, setDraft] = useState<Draft>(empty);
  const [file, setFile] = useState<File | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<LibraryEntry | null>(null);

  useEffect(() => () => abortRef.current?.abort(), []);

  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));

  const validate = (): string[] => {
    const out: string[] = [];
    for (const field of REQUIRED) if (!draft[field].trim()) out.push(t('library.upload.required', { field: t(`library.upload.fields.${field}`) }));
    if (!file) out.push(t('library.upload.noFile'));
    else if (!uploadTypeOf(file)) out.push(t('library.upload.badType'));
    else if (file.size === 0) out.push(t('library.upload.emptyFile'));
    return out;
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = validate();
    setProblems(found);
    setError(null);
    setDone(null);
    if (found.length > 0 || !file) return;
    const tags: LibraryTags = {
      title: draft.title.trim(),
      description: draft.description.trim(),
      subject: draft.subject.trim(),
      grade: draft.grade.trim(),
      teacherName: draft.teacherName.trim(),
      school: draft.school.trim(),
      knowledgePoints: splitKnowledgePoints(draft.knowledgePoints),
    };
    const abort = new AbortController();
    abortRef.current = abort;
    setBusy(true);
    setProgress({ loaded: 0, total: file.size });
    try {
      // The server picks the upload type from the part's declared type; some systems declare a PPTX as
      // application/octet-stream, so declare the type we recognised (the server still checks the bytes).
      const type = uploadTypeOf(file) ?? file.type;
      const typed = file.type === type ? file : new File([file], file.name, { type });
      const entry = await api.upload(tags, typed, { onProgress: setProgress, signal: abort.signal });
      setDone(entry);
      setDraft({ ...empty, subject: tags.subject, grade: tags.grade, teacherName: tags.teacherName, school: tags.school });
      setFile(null);
      if (fileRef.current) fileRef.current.value = '';
      onUploaded(entry);
    } catch (err) {
      if ((err as { name?: string } | null)?.name === 'AbortError') return;
      if (isClassroomError(err, 'UNAUTHENTICATED')) onUnauthenticated();
      const issues = isClassroomError(err, 'BAD_REQUEST') && err.issues?.length ? err.issues.map((i) => `${i.path}: ${i.message}`).join('; ') : null;
      setError(
        describeError(t, err, {
          TOO_LARGE: t('library.upload.tooLarge'),
          FORBIDDEN: t('library.upload.forbidden'),
          ...(issues ? { BAD_REQUEST: t('library.upload.invalid', { issues }) } : {}),
        }),
      );
    } finally {
      if (!abort.signal.aborted) {
        setBusy(false);
        setProgress(null);
      }
    }
  };

  const cancel = () => {
    abortRef.current?.abort();
    setBusy(false);
    setProgress(null);
  };

  const text = (field: TagField, autoComplete = 'off') => (
    <div className="field" key={field}>
      <label className="field__label" htmlFor={`${id}-${field}`}>
        {t(`library.upload.fields.${field}`)}
        <span className="field__required" aria-hidden="true">
          {' *'}
        </span>
      </label>
      <input
        id={`${id}-${field}`}
        className="field__control"
        name={field}
        value={draft[field]}
        maxLength={MAX[field]}
        required
        aria-required="true"
        autoComplete={autoComplete}
        disabled={busy}
        onChange={(e) => set({ [field]: e.target.value })}
      />
    </div>
  );

  const pct = progress && progress.total > 0 ? progress.loaded / progress.total : 0;

  return (
    <form className="upload" onSubmit={(e) => void submit(e)} noValidate aria-describedby={`${id}-hint`} data-testid="upload-form">
      <p id={`${id}-hint`} className="field__hint">
        {t('library.upload.hint')}
      </p>
      <div className="field-row">{text('title')}</div>
      <div className="field-row">
        {text('subject')}
        {text('grade')}
      </div>
      <div className="field-row">
        {text('teacherName', 'name')}
        {text('school', 'organization')}
      </div>
      <div className="field">
        <label className="field__label" htmlFor={`${id}-kp`}>
          {t('library.upload.fields.knowledgePoints')}
        </label>
        <input
          id={`${id}-kp`}
          className="field__control"
          name="knowledgePoints"
          value={draft.knowledgePoints}
          disabled={busy}
          aria-describedby={`${id}-kp-hint`}
          onChange={(e) => set({ knowledgePoints: e.target.value })}
        />
        <p id={`${id}-kp-hint`} className="field__hint">
          {t('library.upload.knowledgePointsHint')}
        </p>
      </div>
      <div className="field">
        <label className="field__label" htmlFor={`${id}-desc`}>
          {t('library.upload.fields.description')}
        </label>
        <textarea
          id={`${id}-desc`}
          className="field__control"
          name="description"
          rows={3}
          maxLength={2000}
          value={draft.description}
          disabled={busy}
          onChange={(e) => set({ description: e.target.value })}
        />
      </div>
      <div className="field">
        <label className="field__label" htmlFor={`${id}-file`}>
          {t('library.upload.fields.file')}
          <span className="field__required" aria-hidden="true">
            {' *'}
          </span>
        </label>
        <input
          id={`${id}-file`}
          ref={fileRef}
          className="field__control upload__file"
          type="file"
          name="file"
          accept={UPLOAD_ACCEPT}
          required
          aria-required="true"
          aria-describedby={`${id}-file-hint`}
          disabled={busy}
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
        />
        <p id={`${id}-file-hint`} className="field__hint">
          {file ? t('library.upload.chosen', { name: file.name, size: formatBytes(file.size) }) : t('library.upload.fileHint')}
        </p>
      </div>

      {problems.length > 0 ? (
        <ul className="upload__problems" role="alert">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}

      {busy && progress ? (
        <div className="upload__progress">
          <ProgressBar value={pct} label={t('library.upload.progress')} />
          <span className="muted" aria-hidden="true">
            {t('library.upload.sent', { sent: formatBytes(progress.loaded), total: formatBytes(progress.total) })}
          </span>
        </div>
      ) : null}

      <div className="button-row">
        <button type="submit" className="btn btn--primary" disabled={busy}>
          {busy ? t('library.upload.uploading') : t('library.upload.submit')}
        </button>
        {busy ? (
          <button type="button" className="btn" onClick={cancel}>
            {t('library.upload.cancel')}
          </button>
        ) : null}
      </div>
      <ActionError error={error} />
      <p className="upload__done" role="status" data-testid="upload-status">
        {done ? (
          <>
            {t('library.upload.done', { title: done.title })} <Link href={entryPath(done.id)}>{t('library.upload.open')}</Link>
          </>
        ) : null}
      </p>
    </form>
  );
}
