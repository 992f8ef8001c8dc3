import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Debian chromium with fake camera/mic (a moving test pattern and a beep), headless, with a fresh
 * profile (playwright makes a temporary one per launch), and nothing that phones home: the sandbox
 * has no internet. `executablePath` runs it some other way (inside a test network namespace); `secureOrigin`
 * lets a page served over http from a non-loopback test address use the camera and mic; `fakeVideo` replaces the
 * camera's test pattern with a file (see demandingCameraFile).
 */
export function launchChromium(options: { executablePath?: string; secureOrigin?: string; fakeVideo?: string } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: options.executablePath ?? CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
      // Camera and mic need a secure context; a test server on a non-loopback address is plain http.
      ...(options.secureOrigin ? [`--unsafely-treat-insecure-origin-as-secure=${options.secureOrigin}`] : []),
      ...(options.fakeVideo ? [`--use-file-for-fake-video-capture=${options.fakeVideo}`] : []),
    ],
  });
}

let demandingCamera: Promise<string> | undefined;

/**
 * A camera that costs what a real classroom camera costs. Chromium's built-in fake camera is a flat animation
 * the encoder squeezes far below its bitrate caps, so a 1 Mbit/s link carries the top simulcast layer and no
 * bandwidth policy is exercised. This is ffmpeg's testsrc2 at 1280×720, 30 fps, under fresh grain every frame,
 * so every layer fills its maxBitrate (measured: ≈150/380/1500 kbit/s; at 1.5 Mbit/s Chromium's encoder sends
 * the grainy top layer at 960×540). MJPEG (which Chromium loops) keeps the file tens of MB, not the GB of raw
 * y4m. Made once per test process, in a temporary folder removed when the process exits.
 */
export function demandingCameraFile(): Promise<string> {
  demandingCamera ??= (async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dualclass-camera-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'camera.mjpeg');
    await promisify(execFile)('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30,noise=alls=12:allf=t+u',
      '-t', '4', '-c:v', 'mjpeg', '-q:v', '8', '-pix_fmt', 'yuvj420p', file,
    ]);
    return file;
  })();
  return demandingCamera;
}
