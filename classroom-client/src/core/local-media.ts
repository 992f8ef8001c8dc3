import { TypedEmitter } from './emitter.ts';

/**
 * The studio's own camera and microphone: device lists, the chosen devices, and one MediaStream
 * holding the current camera and mic tracks. Switching a device swaps one track; whoever
 * publishes listens for 'tracks' and replaces the track on its producer.
 */

export interface DeviceOption {
  deviceId: string;
  label: string;
}

export type LocalMediaStatus = 'idle' | 'starting' | 'ready' | 'denied' | 'unavailable' | 'error';

export interface LocalMediaSnapshot {
  readonly status: LocalMediaStatus;
  readonly stream: MediaStream | null;
  readonly camera: MediaStreamTrack | null;
  readonly microphone: MediaStreamTrack | null;
  readonly cameras: readonly DeviceOption[];
  readonly microphones: readonly DeviceOption[];
  readonly cameraId: string | null;
  readonly microphoneId: string | null;
  /** DOMException name of the last failure, e.g. NotAllowedError. */
  readonly errorName: string | null;
}

export type LocalMediaEvents = {
  change: [LocalMediaSnapshot];
  /** A track was replaced (device switch); `track` is null when that kind was lost. */
  track: [kind: 'audio' | 'video', track: MediaStreamTrack | null];
};

export const CAMERA_CONSTRAINTS = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } } as const;

/** Classify by DOMException name, as getUserMedia reports them. */
export function classifyMediaError(err: unknown): LocalMediaStatus {
  const name = err instanceof Error || (typeof err === 'object' && err !== null) ? String((err as { name?: unknown }).name) : '';
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') return 'denied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'NotReadableError' || name === 'DevicesNotFoundError') {
    return 'unavailable';
  }
  return 'error';
}

const initial: LocalMediaSnapshot = {
  status: 'idle',
  stream: null,
  camera: null,
  microphone: null,
  cameras: [],
  microphones: [],
  cameraId: null,
  microphoneId: null,
  errorName: null,
};

export class LocalMedia {
  readonly events = new TypedEmitter<LocalMediaEvents>();
  #snapshot: LocalMediaSnapshot = initial;
  #onDeviceChange = () => void this.refreshDevices();

  get snapshot(): LocalMediaSnapshot {
    return this.#snapshot;
  }

  #set(patch: Partial<LocalMediaSnapshot>): void {
    this.#snapshot = { ...this.#snapshot, ...patch };
    this.events.emit('change', this.#snapshot);
  }

  /** Opens camera (1280×720) and mic, the chosen devices if any. Resolves false on failure (see status). */
  async start(): Promise<boolean> {
    if (!navigator.mediaDevices?.getUserMedia) {
      this.#set({ status: 'unavailable', errorName: 'NoMediaDevices' });
      return false;
    }
    this.#set({ status: 'starting', errorName: null });
    const { cameraId, microphoneId } = this.#snapshot;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        video: { ...CAMERA_CONSTRAINTS, ...(cameraId ? { deviceId: { exact: cameraId } } : {}) },
        audio: { echoCancellation: true, noiseSuppression: true, ...(microphoneId ? { deviceId: { exact: microphoneId } } : {}) },
      });
      this.#stopTracks();
      const camera = stream.getVideoTracks()[0] ?? null;
      const microphone = stream.getAudioTracks()[0] ?? null;
      this.#set({
        status: 'ready',
        stream,
        camera,
        microphone,
        cameraId: camera?.getSettings().deviceId ?? cameraId,
        microphoneId: microphone?.getSettings().deviceId ?? microphoneId,
      });
      this.events.emit('track', 'video', camera);
      this.events.emit('track', 'audio', microphone);
      navigator.mediaDevices.addEventListener('devicechange', this.#onDeviceChange);
      await this.refreshDevices();
      return true;
    } catch (err) {
      this.#set({ status: classifyMediaError(err), errorName: (err as { name?: string }).name ?? 'Error' });
      return false;
    }
  }

  /** Device labels are only visible after permission, so this runs after start(). */
  async refreshDevices(): Promise<void> {
    const devices = await navigator.mediaDevices.enumerateDevices().catch(() => [] as MediaDeviceInfo[]);
    const pick = (kind: MediaDeviceKind) =>
      devices
        .filter((d) => d.kind === kind && d.deviceId !== '')
        .map((d, i) => ({ deviceId: d.deviceId, label: d.label || `${kind === 'videoinput' ? 'Camera' : 'Microphone'} ${i + 1}` }));
    this.#set({ cameras: pick('videoinput'), microphones: pick('audioinput') });
  }

  /** Switches one device, keeping the other track as it is. */
  async select(kind: 'video' | 'audio', deviceId: string): Promise<boolean> {
    if (kind === 'video') this.#set({ cameraId: deviceId });
    else this.#set({ microphoneId: deviceId });
    if (this.#snapshot.status !== 'ready' || !this.#snapshot.stream) return this.start();
    try {
      const stream = await navigator.mediaDevices.getUserMedia(
        kind === 'video'
          ? { video: { ...CAMERA_CONSTRAINTS, deviceId: { exact: deviceId } } }
          : { audio: { echoCancellation: true, noiseSuppression: true, deviceId: { exact: deviceId } } },
      );
      const track = (kind === 'video' ? stream.getVideoTracks() : stream.getAudioTracks())[0] ?? null;
      const old = kind === 'video' ? this.#snapshot.camera : this.#snapshot.microphone;
      // A new MediaStream object so previews re-bind; the old track stops after the swap.
      const tracks = [kind === 'video' ? track : this.#snapshot.camera, kind === 'audio' ? track : this.#snapshot.microphone];
      const next = new MediaStream(tracks.filter((t): t is MediaStreamTrack => t !== null));
      this.#set(kind === 'video' ? { stream: next, camera: track } : { stream: next, microphone: track });
      this.events.emit('track', kind, track);
      old?.stop();
      return true;
    } catch (err) {
      this.#set({ errorName: (err as { name?: string }).name ?? 'Error' });
      return false;
    }
  }

  #stopTracks(): void {
    this.#snapshot.stream?.getTracks().forEach((t) => t.stop());
  }

  stop(): void {
    this.#stopTracks();
    navigator.mediaDevices?.removeEventListener('devicechange', this.#onDeviceChange);
    this.#set({ status: 'idle', stream: null, camera: null, microphone: null });
  }
}
