import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Debian chromium with fake camera/mic (a moving test pattern and a beep), headless, with a fresh
 * profile (playwright makes a temporary one per launch), and nothing that phones home: the sandbox
 * has no internet. `executablePath` runs it some other way (inside a test network namespace); `secureOrigin`
 * lets a page served over http from a non-loopback test address use the camera and mic.
 */
export function launchChromium(options: { executablePath?: string; secureOrigin?: string } = {}): Promise<Browser> {
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
    ],
  });
}
