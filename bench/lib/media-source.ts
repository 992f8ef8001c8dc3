import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import dgram from 'node:dgram';
import { access, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bindUdp } from './udp.ts';

const exec = promisify(execFile);
const CACHE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '.cache');
const CLIP_SECONDS = 20;
// WebRTC senders keep packets under ~1200 bytes; the same size makes packets/s comparable with browser traffic.
const PACKET_SIZE = 1200;

/** libvpx settings of a browser-like real-time VP8 sender, near-CBR so every viewer costs the same bitrate. */
const vp8 = (kbps: number) =>
  ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', `${kbps}k`, '-minrate', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps}k`, '-g', '60', '-keyint_min', '60'];

// Film grain (temporal noise) defeats VP8's motion search, so the encoder really spends its whole 1.5 Mbit/s on every frame.
const ENCODE_ARGS = [
  '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=30:duration=${CLIP_SECONDS}`,
  '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${CLIP_SECONDS}`,
  '-filter_complex', '[0:v]noise=alls=24:allf=t+u,format=yuv420p,split=3[hi][m][l];[m]scale=640:360[mid];[l]scale=320:180[low]',
  '-map', '[hi]', '-map', '1:a', ...vp8(1500), '-c:a', 'libopus', '-b:a', '48k', '-vbr', 'off', '-frame_duration', '20', '-ar', '48000', '-ac', '2', 'master.webm',
  '-map', '[mid]', ...vp8(500), 'mid.webm',
  '-map', '[low]', ...vp8(150), 'low.webm',
];

export interface MediaClips {
  /** 1280×720 30 fps VP8 (~1.5 Mbit/s, keyframe every 2 s) + Opus 48 kHz (~48 kbit/s, 20 ms frames). */
  master: string;
  /** Simulcast renditions, keyframes aligned with the master's video (the high layer is the master's video). */
  mid: string;
  low: string;
  /** Measured average bitrates of the clips, kbit/s. */
  kbps: { video: number; audio: number; mid: number; low: number };
}

export interface RtpDestination {
  ip: string;
  port: number;
  payloadType: number;
  ssrc: number;
}

export interface SimulcastDestination {
  ip: string;
  port: number;
  payloadType: number;
  /** SSRCs of the 320×180, 640×360 and 1280×720 layers, in that order. */
  ssrcs: [number, number, number];
}

export interface SourceOptions {
  video: RtpDestination | SimulcastDestination;
  audio?: RtpDestination;
}

export interface MediaSource {
  /** The ffmpeg process playing the clips (to pin it or meter its CPU). */
  readonly pid: number;
  /** process.hrtime.bigint() when the audio packet with this RTP timestamp left the forwarder; recent packets only. */
  sendTimeOfAudio(rtpTimestamp: number): bigint | undefined;
  stop(): Promise<void>;
}

let prepared: Promise<MediaClips> | undefined;

/** The clips, encoded once per encode settings into bench/.cache/ (first call encodes, ~1 min of one core). */
export function prepareClips(): Promise<MediaClips> {
  prepared ??= encodeOnce();
  return prepared;
}

async function encodeOnce(): Promise<MediaClips> {
  const key = createHash('sha256').update(JSON.stringify(ENCODE_ARGS)).digest('hex').slice(0, 12);
  const dir = path.join(CACHE_DIR, `clips-${key}`);
  const meta = path.join(dir, 'clips.json');
  const clips = (kbps: MediaClips['kbps']): MediaClips => ({
    master: path.join(dir, 'master.webm'),
    mid: path.join(dir, 'mid.webm'),
    low: path.join(dir, 'low.webm'),
    kbps,
  });
  if (await exists(meta)) return clips(JSON.parse(await readFile(meta, 'utf8')) as MediaClips['kbps']);

  await mkdir(CACHE_DIR, { recursive: true });
  const work = await mkdtemp(path.join(CACHE_DIR, 'encoding-'));
  try {
    console.log(`media-source: encoding the ${CLIP_SECONDS} s source clips once (cached in ${path.relative(process.cwd(), dir)})`);
    await exec('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...ENCODE_ARGS], { cwd: work, maxBuffer: 16 * 2 ** 20 });
    const kbps = {
      video: await measuredKbps(path.join(work, 'master.webm'), 'v'),
      audio: await measuredKbps(path.join(work, 'master.webm'), 'a'),
      mid: await measuredKbps(path.join(work, 'mid.webm'), 'v'),
      low: await measuredKbps(path.join(work, 'low.webm'), 'v'),
    };
    console.log(`media-source: measured video ${kbps.video} kbit/s (720p), ${kbps.mid} (360p), ${kbps.low} (180p); audio ${kbps.audio} kbit/s`);
    await writeFile(path.join(work, 'clips.json'), JSON.stringify(kbps));
    // Another bench may have encoded the same settings meanwhile; either copy is the same clip.
    await rename(work, dir).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
    return clips(kbps);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function measuredKbps(file: string, stream: 'v' | 'a'): Promise<number> {
  const { stdout } = await exec('ffprobe', ['-v', 'error', '-select_streams', stream, '-show_entries', 'packet=size', '-of', 'csv=p=0', file], { maxBuffer: 64 * 2 ** 20 });
  const bytes = stdout.split('\n').reduce((sum, line) => sum + (Number(line) || 0), 0);
  return Math.round((bytes * 8) / CLIP_SECONDS / 1000);
}

/**
 * Plays the clips in a loop as RTP, as a studio encoder would: ffmpeg paces them (`-re`) and packetizes them into
 * a small forwarder here, which stamps the SSRC and payload type the SFU expects and sends every track of one
 * destination port from one socket, so a comedia transport locks onto a single sender (simulcast layers share one).
 */
export async function startSource(options: SourceOptions): Promise<MediaSource> {
  const clips = await prepareClips();
  const sockets: dgram.Socket[] = [];
  const sendTimes = new AudioSendTimes();
  try {
    const senders = new Map<number, dgram.Socket>();
    const senderFor = async (port: number) => {
      let sender = senders.get(port);
      if (!sender) {
        sender = await bindUdp();
        sockets.push(sender);
        senders.set(port, sender);
      }
      return sender;
    };
    const inputs: string[] = [];
    const outputs: string[] = [];
    const addTrack = async (clip: string, stream: 'v' | 'a', destination: RtpDestination) => {
      let input = inputs.indexOf(clip);
      if (input < 0) input = inputs.push(clip) - 1;
      const sender = await senderFor(destination.port);
      const isAudio = stream === 'a';
      const receiver = await bindUdp();
      sockets.push(receiver);
      receiver.on('message', (packet) => {
        // ffmpeg's own RTCP sender reports come here too (rtcpport below); the SFU needs none from a plain sender.
        if (packet.length < 12 || isRtcp(packet)) return;
        packet[1] = (packet[1]! & 0x80) | destination.payloadType;
        packet.writeUInt32BE(destination.ssrc, 8);
        if (isAudio) sendTimes.record(packet.readUInt32BE(4), process.hrtime.bigint());
        sender.send(packet, destination.port, destination.ip);
      });
      const port = receiver.address().port;
      outputs.push('-map', `${input}:${stream}`, '-c', 'copy', '-f', 'rtp', '-pkt_size', String(PACKET_SIZE), `rtp://127.0.0.1:${port}?rtcpport=${port}`);
    };

    const { video, audio } = options;
    if ('ssrcs' in video) {
      const [low, mid, high] = video.ssrcs;
      await addTrack(clips.low, 'v', { ...video, ssrc: low });
      await addTrack(clips.mid, 'v', { ...video, ssrc: mid });
      await addTrack(clips.master, 'v', { ...video, ssrc: high });
    } else {
      await addTrack(clips.master, 'v', video);
    }
    if (audio) await addTrack(clips.master, 'a', audio);

    const args = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
    for (const clip of inputs) args.push('-re', '-stream_loop', '-1', '-i', clip);
    const ffmpeg = spawn('ffmpeg', [...args, ...outputs], { stdio: ['ignore', 'ignore', 'pipe'] });
    const stopFfmpeg = trackChild(ffmpeg);
    let stderr = '';
    ffmpeg.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    let stopping = false;
    ffmpeg.once('exit', (code, signal) => {
      if (!stopping) console.error(`media-source: ffmpeg exited early (${code ?? signal}): ${stderr.trim()}`);
    });
    await new Promise<void>((resolve, reject) => {
      ffmpeg.once('spawn', resolve);
      ffmpeg.once('error', reject);
    });
    return {
      pid: ffmpeg.pid!,
      sendTimeOfAudio: (rtpTimestamp) => sendTimes.get(rtpTimestamp),
      async stop() {
        stopping = true;
        await stopFfmpeg();
        closeAll(sockets);
      },
    };
  } catch (err) {
    closeAll(sockets);
    throw err;
  }
}

/** Send times of the last few seconds of audio packets, by RTP timestamp; bounded so a long run holds constant memory. */
class AudioSendTimes {
  static readonly #KEPT = 500; // 10 s of 20 ms frames: far longer than any packet spends in the SFU
  readonly #times = new Map<number, bigint>();
  readonly #order = new Uint32Array(AudioSendTimes.#KEPT);
  #next = 0;

  record(rtpTimestamp: number, at: bigint): void {
    if (this.#times.size >= AudioSendTimes.#KEPT) this.#times.delete(this.#order[this.#next]!);
    this.#order[this.#next] = rtpTimestamp;
    this.#next = (this.#next + 1) % AudioSendTimes.#KEPT;
    this.#times.set(rtpTimestamp, at);
  }

  get(rtpTimestamp: number): bigint | undefined {
    return this.#times.get(rtpTimestamp);
  }
}

function isRtcp(packet: Buffer): boolean {
  const payloadType = packet[1]! & 0x7f;
  return payloadType >= 64 && payloadType <= 95;
}

function closeAll(sockets: dgram.Socket[]): void {
  for (const socket of sockets) socket.close();
}

const children = new Set<ChildProcess>();
// A bench that dies mid-run must not leave ffmpeg streaming into the machine.
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Registers a child for the exit sweep; the returned stop ends it (SIGTERM, then SIGKILL after 2 s) and waits. */
function trackChild(child: ChildProcess): () => Promise<void> {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  };
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
