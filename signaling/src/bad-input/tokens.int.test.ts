import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { SignJWT, importPKCS8 } from 'jose';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOIN_TOKEN_AUDIENCE, JOIN_TOKEN_ISSUER, type Lesson } from '@dualclass/protocol';
import { startStack, type Stack } from '../../../infra/src/stack.ts';
import { JoinTokens } from '../auth/join-tokens.ts';
import { LibraryTokens } from '../library/library-tokens.ts';
import { next, ok, request, TestParticipants } from '../testing/participants.ts';

// Bad input, part 1: join tokens at the handshake and over a connection's life, TURN credentials, the Origin gate
// and HTTP headers.
// signaling.int.test.ts already covers a foreign key, expiry, wrong audience, HS512, alg none and another lesson.

const JWT_SECRET = randomBytes(32).toString('base64url');
const TURN_SECRET = randomBytes(24).toString('base64url');
const TURN_URLS = ['turn:127.0.0.1:3478?transport=udp', 'turns:turn.example.edu:5349'];
let stack: Stack;
let people: TestParticipants;
let lesson: Lesson;

const claims = (sub: string) => ({ sub, lessonId: lesson.id, role: 'student' as const, name: '小明', classroomId: null });
const jwt = (sub: string) =>
  new SignJWT({ lessonId: lesson.id, role: 'student', name: '小明', classroomId: null }).setSubject(sub).setIssuedAt().setExpirationTime('1h');
const secretKey = () => new TextEncoder().encode(JWT_SECRET);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

beforeAll(async () => {
  stack = await startStack({ sfuWorkers: 1, recorder: false, env: { JWT_SECRET, TURN_SECRET, TURN_URLS: TURN_URLS.join(','), TURN_TTL_SECONDS: '3600' } });
  people = new TestParticipants(stack);
  lesson = await stack.admin.createLesson({ title: '牛顿第二定律' });
});

afterAll(async () => {
  people?.closeAll();
  await stack?.stop();
});

describe('handshake refuses forged and misdirected tokens with UNAUTHENTICATED', () => {
  it('refuses a wrong issuer, a missing subject or expiry, and tokens minted for the library', async () => {
    const wrongIssuer = await jwt('par_iss').setProtectedHeader({ alg: 'HS256' }).setIssuer('someone-else').setAudience(JOIN_TOKEN_AUDIENCE).sign(secretKey());
    const noSubject = await new SignJWT({ lessonId: lesson.id, role: 'student', name: '小明', classroomId: null })
      .setProtectedHeader({ alg: 'HS256' }).setIssuer(JOIN_TOKEN_ISSUER).setAudience(JOIN_TOKEN_AUDIENCE).setExpirationTime('1h').sign(secretKey());
    const noExpiry = await new SignJWT({ lessonId: lesson.id, role: 'student', name: '小明', classroomId: null })
      .setProtectedHeader({ alg: 'HS256' }).setSubject('par_exp').setIssuer(JOIN_TOKEN_ISSUER).setAudience(JOIN_TOKEN_AUDIENCE).sign(secretKey());
    // Same key, same issuer, another audience: a library token or download ticket is not a join token.
    const library = await new LibraryTokens(JWT_SECRET).issue({ sub: 'usr_lib', role: 'master_teacher', name: '张老师' });
    const ticket = await new LibraryTokens(JWT_SECRET).ticket({ sub: 'fil_1', entryId: 'ent_1' });
    for (const token of [wrongIssuer, noSubject, noExpiry, library.token, ticket.token]) {
      expect((await people.refused(token)).data).toMatchObject({ code: 'UNAUTHENTICATED', message: 'invalid join token' });
    }
  });

  it('refuses algorithm confusion: RS256 signed with a private key, HS256 keyed with a public key, alg none with a signature', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rs256 = await jwt('par_rs').setProtectedHeader({ alg: 'RS256' }).setIssuer(JOIN_TOKEN_ISSUER).setAudience(JOIN_TOKEN_AUDIENCE)
      .sign(await importPKCS8(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'RS256'));
    // The classic confusion: an attacker who knows a public key uses its PEM text as an HMAC secret.
    const pem = new TextEncoder().encode(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const hsWithPublicKey = await jwt('par_pub').setProtectedHeader({ alg: 'HS256' }).setIssuer(JOIN_TOKEN_ISSUER).setAudience(JOIN_TOKEN_AUDIENCE).sign(pem);
    const body = b64({ ...claims('par_none'), aud: JOIN_TOKEN_AUDIENCE, iss: JOIN_TOKEN_ISSUER, exp: Math.floor(Date.now() / 1000) + 3600 });
    const genuine = (await new JoinTokens(JWT_SECRET).sign(claims('par_real'))).token.split('.')[2];
    const noneWithSignature = `${b64({ alg: 'none', typ: 'JWT' })}.${body}.${genuine}`;
    const noneUpper = `${b64({ alg: 'None' })}.${body}.`;
    for (const token of [rs256, hsWithPublicKey, noneWithSignature, noneUpper]) {
      expect((await people.refused(token)).data).toMatchObject({ code: 'UNAUTHENTICATED' });
    }
  });

  it('refuses a genuine token whose claims were edited (role escalation in the payload)', async () => {
    const [header, payload, signature] = (await new JoinTokens(JWT_SECRET).sign(claims('par_edit'))).token.split('.');
    const edited = { ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'master_teacher' };
    expect((await people.refused(`${header}.${b64(edited)}.${signature}`)).data).toMatchObject({ code: 'UNAUTHENTICATED', message: 'invalid join token' });
  });

  it('refuses malformed handshakes: garbage, oversized, wrong types', async () => {
    const attempts: unknown[] = ['x'.repeat(12), '............', 'a'.repeat(5000), `${b64({ alg: 'HS256' })}.%%%.${'A'.repeat(40)}`];
    for (const token of attempts) expect((await people.refused(token as string)).data).toMatchObject({ code: 'UNAUTHENTICATED' });
    for (const auth of [{ token: 42 }, { token: { $ne: null } }, { token: ['a'.repeat(20)] }, {}]) {
      const socket = connect(stack.url, { path: '/socket.io', transports: ['websocket'], auth: auth as Record<string, unknown>, reconnection: false, forceNew: true });
      const err = await new Promise<Error & { data?: unknown }>((resolve) => socket.once('connect_error', resolve));
      socket.close();
      expect(err.data).toMatchObject({ code: 'UNAUTHENTICATED', message: 'join token required' });
    }
  });
});

describe('token refresh and expiry on a connection', () => {
  it('session:refresh issues a token with the same claims that a reconnect may present', async () => {
    const issued = await people.token(lesson.id, 'student');
    const socket = await people.connected(issued);
    const joined = await ok<{ self: { id: string; role: string } }>(socket, 'lesson:join');
    expect(await request(await people.connected(issued), 'session:refresh')).toMatchObject({ ok: false, error: { code: 'INVALID_STATE' } });
    const fresh = await ok<{ token: string; expiresAt: string }>(socket, 'session:refresh');
    const verified = await new JoinTokens(JWT_SECRET).verify(fresh.token);
    expect(verified).toMatchObject({ sub: joined.self.id, lessonId: lesson.id, role: 'student' });
    expect(verified.exp * 1000).toBe(Date.parse(fresh.expiresAt));
    const again = await people.connected(fresh.token);
    expect(await request(again, 'lesson:join', {})).toMatchObject({ ok: true, data: { self: { id: joined.self.id } } });
  });

  it('closes a session whose token runs out without a refresh (session:closed token_expired), and a refresh keeps it open', async () => {
    const tokens = new JoinTokens(JWT_SECRET);
    const lapsing = await people.connected((await tokens.sign(claims('par_lapsing'), 2)).token);
    const kept = await people.connected((await tokens.sign(claims('par_kept'), 2)).token);
    const watcher = (await people.join(lesson.id, 'master_teacher')).socket;
    await ok(lapsing, 'lesson:join');
    await ok(kept, 'lesson:join');
    await ok(kept, 'session:refresh');
    const left = next(watcher, 'participant:left', (p) => p.participantId === 'par_lapsing', 6_000);
    const closed = next(lapsing, 'session:closed', () => true, 6_000);
    const disconnected = new Promise<string>((resolve) => lapsing.once('disconnect', resolve));
    expect(await closed).toEqual({ reason: 'token_expired' });
    expect(await disconnected).toBe('io server disconnect');
    // No resume grace for an expired token: the participant is gone at once.
    await left;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(kept.connected).toBe(true);
    expect(await request(kept, 'session:refresh')).toMatchObject({ ok: true });
  });
});

describe('TURN credentials', () => {
  it('come with every WebRTC transport: time-limited, bound to the participant, signed with the TURN secret', async () => {
    const master = await people.join(lesson.id, 'master_teacher');
    await request(master.socket, 'lesson:start');
    const student = await people.join(lesson.id, 'student');
    const before = Math.floor(Date.now() / 1000);
    const transport = await ok<{ iceServers: { urls: string[]; username: string; credential: string }[] }>(student.socket, 'media:createTransport', { direction: 'recv' });
    const [server] = transport.iceServers;
    expect(server!.urls).toEqual(TURN_URLS);
    const [expiry, participantId] = server!.username.split(':');
    expect(participantId).toBe(student.self.id);
    expect(Number(expiry) - before).toBeGreaterThanOrEqual(3600);
    expect(Number(expiry) - before).toBeLessThanOrEqual(3601);
    expect(server!.credential).toBe(createHmac('sha1', TURN_SECRET).update(server!.username).digest('base64'));
  });
});

describe('browser origin gate and HTTP headers', () => {
  const openWithOrigin = (origin: string) =>
    connect(stack.url, {
      path: '/socket.io', transports: ['websocket'], reconnection: false, forceNew: true,
      extraHeaders: { origin },
    });

  it('refuses a WebSocket upgrade from a foreign page and accepts one from the server itself', async () => {
    const token = await people.token(lesson.id, 'student');
    const foreign = openWithOrigin('https://evil.example');
    foreign.auth = { token };
    expect(await new Promise<string>((resolve) => {
      foreign.once('connect', () => resolve('connected'));
      foreign.once('connect_error', () => resolve('refused'));
    })).toBe('refused');
    foreign.close();
    const own = openWithOrigin(stack.url);
    own.auth = { token };
    expect(await new Promise<string>((resolve) => {
      own.once('connect', () => resolve('connected'));
      own.once('connect_error', (err) => resolve(`refused: ${err.message}`));
    })).toBe('connected');
    own.close();
  });

  it('sends security headers and no framework banner', async () => {
    const res = await fetch(`${stack.url}/healthz`);
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
  });
});
