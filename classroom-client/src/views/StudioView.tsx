import { isClassroomError, type Role } from '@dualclass/protocol';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AppShell } from '../components/AppShell.tsx';
import { LessonMeta, LessonTitle } from '../components/LessonInfo.tsx';
import { MicLevel } from '../components/MicLevel.tsx';
import { PhaseBadge } from '../components/PhaseBadge.tsx';
import { panelFor, PhasePanel, ReloadButton } from '../components/PhasePanel.tsx';
import { StatusBanner } from '../components/StatusBanner.tsx';
import { VideoTile } from '../components/VideoTile.tsx';
import type { ClassroomClient, ClassroomSnapshot } from '../core/client.ts';
import { useClassroom } from '../core/hooks.ts';
import type { RemoteParticipant } from '../core/model.ts';

/**
 * 主讲教室. Decision order: a terminal or connecting phase → PhasePanel (media_denied is shown
 * inside the device check instead, with a retry); waiting/live/reconnecting → device check
 * (preview, device pickers, mic meter), class controls and the roster.
 */
export function StudioView({ client }: { client: ClassroomClient }) {
  const { t } = useTranslation();
  const snapshot = useClassroom(client);
  const { local } = snapshot;
  const mediaDenied = snapshot.error?.kind === 'media_denied';
  // A refused camera does not take the teacher out of the lesson: controls follow the lesson itself.
  const phase = mediaDenied ? (snapshot.connection.lessonStatus === 'live' ? 'live' : 'waiting') : snapshot.phase;
  const inLesson = phase === 'waiting' || phase === 'live' || phase === 'reconnecting';
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirmingEnd, setConfirmingEnd] = useState(false);

  // Device check starts as soon as we are in the lesson (permission prompt on first visit).
  useEffect(() => {
    if (inLesson && client.local.snapshot.status === 'idle') void client.startLocalMedia();
  }, [inLesson, client]);

  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setActionError(null);
    try {
      await action();
    } catch (err) {
      setActionError(isClassroomError(err) ? `${err.code}: ${err.message}` : String(err));
    } finally {
      setBusy(false);
    }
  };

  const header = (
    <>
      <div className="topbar__lesson">
        <LessonTitle lesson={snapshot.lesson} fallback={t('views.studio')} />
        <LessonMeta lesson={snapshot.lesson} />
      </div>
      <PhaseBadge phase={phase} />
    </>
  );

  const panel = panelFor(snapshot);
  if (!inLesson && panel) {
    return (
      <AppShell variant="studio" header={header}>
        <PhasePanel
          kind={panel}
          lesson={snapshot.lesson}
          detail={snapshot.error?.detail}
          actions={panel === 'network' || panel === 'replaced' ? <ReloadButton /> : undefined}
        />
      </AppShell>
    );
  }

  const onAir = snapshot.published.length > 0;
  const canGoLive = local.status === 'ready' && !busy && phase !== 'reconnecting';

  return (
    <AppShell variant="studio" header={header}>
      {phase === 'reconnecting' ? (
        <StatusBanner tone="warn" title={t('phase.reconnecting')}>
          {t('state.reconnectingBody')}
        </StatusBanner>
      ) : null}
      {actionError ? (
        <StatusBanner tone="error" title={t('errors.requestFailed', { message: actionError })} />
      ) : null}
      <div className="studio">
        <section className="card studio__devices" aria-labelledby="device-check-title">
          <h2 id="device-check-title">{t('studio.deviceCheck')}</h2>
          <DeviceCheck client={client} snapshot={snapshot} />
        </section>

        <section className="card studio__controls" aria-labelledby="controls-title">
          <h2 id="controls-title">{t('studio.controls')}</h2>
          <p className={`on-air ${onAir ? 'on-air--live' : ''}`} role="status">
            <span className="badge__dot" aria-hidden="true" />
            {onAir ? t('studio.onAir') : snapshot.publishing && phase === 'live' ? t('studio.publishing') : t('studio.offAir')}
          </p>
          <div className="button-row">
            {phase === 'waiting' ? (
              <button
                type="button"
                className="btn btn--primary btn--large"
                disabled={!canGoLive}
                onClick={() => void run(() => client.goLive({ camera: t('studio.cameraLabel'), microphone: t('studio.micLabel') }))}
              >
                {t('studio.goLive')}
              </button>
            ) : null}
            {phase === 'live' && !snapshot.publishing ? (
              <button
                type="button"
                className="btn btn--primary btn--large"
                disabled={!canGoLive}
                onClick={() => void run(() => client.goLive({ camera: t('studio.cameraLabel'), microphone: t('studio.micLabel') }))}
              >
                {t('studio.resume')}
              </button>
            ) : null}
            {phase === 'live' && snapshot.publishing ? (
              <button type="button" className="btn" disabled={busy} onClick={() => void run(() => client.stopPublishing())}>
                {t('studio.stopPublishing')}
              </button>
            ) : null}
            {phase === 'live' && !confirmingEnd ? (
              <button type="button" className="btn btn--danger btn--large" disabled={busy} onClick={() => setConfirmingEnd(true)}>
                {t('studio.end')}
              </button>
            ) : null}
          </div>
          {phase === 'live' && confirmingEnd ? (
            <div className="confirm" role="group" aria-labelledby="confirm-end-text">
              <p id="confirm-end-text">{t('studio.confirmEnd')}</p>
              <div className="button-row">
                <button
                  type="button"
                  className="btn btn--danger"
                  autoFocus
                  disabled={busy}
                  onClick={() => void run(() => client.endLesson()).then(() => setConfirmingEnd(false))}
                >
                  {t('studio.confirmEndYes')}
                </button>
                <button type="button" className="btn" onClick={() => setConfirmingEnd(false)}>
                  {t('studio.cancel')}
                </button>
              </div>
            </div>
          ) : null}
        </section>

        <aside className="card studio__roster" aria-labelledby="roster-title">
          <h2 id="roster-title">{t('studio.roster')}</h2>
          <Roster participants={snapshot.participants} />
        </aside>
      </div>
    </AppShell>
  );
}

function DeviceCheck({ client, snapshot }: { client: ClassroomClient; snapshot: ClassroomSnapshot }) {
  const { t } = useTranslation();
  const { local } = snapshot;
  return (
    <div className="device-check">
      <div className="preview">
        {local.stream && local.camera ? (
          <VideoTile stream={local.stream} label={t('studio.preview')} mirrored fit="cover" />
        ) : (
          <p className="preview__off">{local.status === 'starting' ? t('studio.startingDevices') : t('studio.previewOff')}</p>
        )}
      </div>
      {local.status === 'denied' || snapshot.error?.kind === 'media_denied' ? (
        <StatusBanner
          tone="error"
          title={t('errors.media_denied')}
          actions={
            <button type="button" className="btn btn--primary" onClick={() => void client.startLocalMedia()}>
              {t('errors.retry')}
            </button>
          }
        >
          {t('errors.media_deniedBody')}
        </StatusBanner>
      ) : null}
      {local.status === 'unavailable' || local.status === 'error' ? (
        <StatusBanner
          tone="error"
          title={local.status === 'unavailable' ? t('studio.devicesUnavailable') : t('studio.devicesError', { name: local.errorName ?? '' })}
          actions={
            <button type="button" className="btn btn--primary" onClick={() => void client.startLocalMedia()}>
              {t('errors.retry')}
            </button>
          }
        />
      ) : null}
      {local.status === 'idle' ? (
        <button type="button" className="btn btn--primary" onClick={() => void client.startLocalMedia()}>
          {t('studio.enableDevices')}
        </button>
      ) : null}
      <div className="field">
        <label className="field__label" htmlFor="camera-select">
          {t('studio.camera')}
        </label>
        <select
          id="camera-select"
          className="field__control"
          value={local.cameraId ?? ''}
          disabled={local.cameras.length === 0}
          onChange={(e) => void client.local.select('video', e.target.value)}
        >
          {local.cameras.map((d) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label className="field__label" htmlFor="mic-select">
          {t('studio.microphone')}
        </label>
        <select
          id="mic-select"
          className="field__control"
          value={local.microphoneId ?? ''}
          disabled={local.microphones.length === 0}
          onChange={(e) => void client.local.select('audio', e.target.value)}
        >
          {local.microphones.map((d) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label}
            </option>
          ))}
        </select>
      </div>
      <MicLevel track={local.microphone} />
    </div>
  );
}

const CLASSROOM_ROLES: readonly Role[] = ['classroom_device', 'local_teacher'];

function Roster({ participants }: { participants: readonly RemoteParticipant[] }) {
  const { t } = useTranslation();
  const classrooms = participants.filter((p) => CLASSROOM_ROLES.includes(p.role));
  const students = participants.filter((p) => p.role === 'student');
  const observers = participants.filter((p) => p.role === 'observer');
  const groups = [
    { key: 'classrooms', title: t('studio.classrooms', { count: classrooms.length }), members: classrooms },
    { key: 'students', title: t('studio.students', { count: students.length }), members: students },
    { key: 'observers', title: t('studio.observers', { count: observers.length }), members: observers },
  ];
  return (
    <div className="roster">
      {groups.map((group) => (
        <div key={group.key} className="roster__group">
          <h3>{group.title}</h3>
          {group.members.length === 0 ? (
            <p className="muted">{t('studio.nobody')}</p>
          ) : (
            <ul>
              {group.members.map((p) => (
                <li key={p.id}>
                  <span>{p.displayName}</span>
                  {group.key === 'classrooms' ? <span className="muted"> · {t(`roles.${p.role}`)}</span> : null}
                  {p.connection === 'reconnecting' ? <span className="muted"> {t('studio.reconnecting')}</span> : null}
                </li>
              ))}
            </ul>
          )}
        </div>
      ))}
    </div>
  );
}
