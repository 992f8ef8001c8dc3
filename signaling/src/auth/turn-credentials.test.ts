import { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { turnCredentials } from './turn-credentials.ts';

const config = { secret: 'north-wind-turn-secret', urls: ['turn:turn.example.edu:3478?transport=udp', 'turns:turn.example.edu:5349'], ttlSeconds: 6 * 3600 };
const now = Date.parse('2026-01-01T00:00:00Z') - 6 * 3600 * 1000;

describe('turnCredentials', () => {
  it('signs `<expiry>:<participant>` with HMAC-SHA1 of the shared secret, as coturn use-auth-secret checks it', () => {
    const server = turnCredentials(config, 'par_teacher01', now);
    expect(server.urls).toEqual(config.urls);
    // 2026-01-01T00:00:00Z; the credential below was computed with
    // `printf '%s' '1767225600:par_teacher01' | openssl dgst -sha1 -hmac 'north-wind-turn-secret' -binary | base64`.
    expect(server.username).toBe('1767225600:par_teacher01');
    expect(server.credential).toBe('lWhxvMxmLUNXuUroL8/26qiDck8=');
  });

  it('agrees with WebCrypto HMAC for other participants and times', async () => {
    const key = await webcrypto.subtle.importKey('raw', new TextEncoder().encode(config.secret), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
    for (const [participant, at] of [['par_a', 0], ['par_学生', now + 1234567]] as const) {
      const server = turnCredentials(config, participant, at);
      expect(server.username).toBe(`${Math.floor(at / 1000) + config.ttlSeconds}:${participant}`);
      const mac = await webcrypto.subtle.sign('HMAC', key, new TextEncoder().encode(server.username));
      expect(server.credential).toBe(Buffer.from(mac).toString('base64'));
    }
  });
});
