import { createHmac } from 'node:crypto';
import type { IceServer } from '@dualclass/protocol';

export interface TurnConfig {
  /** coturn's `static-auth-secret`. */
  secret: string;
  /** turn: / turns: URLs of the relays, tried in order. */
  urls: string[];
  /** How long a credential stays usable; it must cover the longest lesson, since ICE restarts reuse it. */
  ttlSeconds: number;
}

/**
 * TURN REST credentials (coturn `use-auth-secret`): username `<unix expiry>:<participant id>`, password
 * base64(HMAC-SHA1(secret, username)). coturn checks both with the shared secret, so nothing is stored and a leaked
 * credential dies at its expiry.
 */
export function turnCredentials(config: TurnConfig, participantId: string, nowMs = Date.now()): IceServer {
  const expiry = Math.floor(nowMs / 1000) + config.ttlSeconds;
  const username = `${expiry}:${participantId}`;
  return { urls: config.urls, username, credential: createHmac('sha1', config.secret).update(username).digest('base64') };
}
