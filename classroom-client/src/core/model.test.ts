import type { Publication } from '@dualclass/protocol';
import { describe, expect, it } from 'vitest';
import { emptyRoster, pickStage, reduceRoster, remoteParticipants, remotePublications, type RosterEvent, type RosterState } from './model.ts';
import { joinData, lesson, participant, publication } from './testing.ts';

const pub = (producerId: string, participantId: string, kind: 'audio' | 'video', source?: Publication['source']): Publication =>
  publication(producerId, participantId, kind, source ? { source } : {});

const master = participant('par_master', 'master_teacher', { joinedAt: '2025-01-01T07:59:00.000Z' });
const me = participant('par_me', 'classroom_device');

const run = (...events: RosterEvent[]): RosterState => events.reduce(reduceRoster, emptyRoster);
const joined = (publications: Publication[] = [pub('p_cam', 'par_master', 'video'), pub('p_mic', 'par_master', 'audio')]): RosterEvent => ({
  type: 'joined',
  data: joinData(me, [master], publications),
});
// A stand-in track object: the reducer only stores it.
const track = { id: 'trk' } as MediaStreamTrack;

describe('roster model', () => {
  it('join snapshot: remote participants exclude self, publications start unsubscribed', () => {
    const s = run(joined());
    expect(s.self?.id).toBe('par_me');
    expect(remoteParticipants(s).map((p) => p.id)).toEqual(['par_master']);
    expect(remoteParticipants(s)[0]?.publications.map((p) => p.producerId)).toEqual(['p_cam', 'p_mic']);
    expect(remotePublications(s).every((p) => p.subscription === 'unsubscribed' && p.track === null)).toBe(true);
  });

  it('own publications are not remote', () => {
    const s = run(joined([pub('p_own', 'par_me', 'video')]));
    expect(remotePublications(s)).toEqual([]);
  });

  it('subscribe lifecycle: subscribing → subscribed → consumerClosed', () => {
    let s = run(joined(), { type: 'subscribing', producerId: 'p_cam' });
    expect(s.publications.get('p_cam')?.subscription).toBe('subscribing');
    s = reduceRoster(s, { type: 'subscribed', producerId: 'p_cam', consumerId: 'c1', track });
    expect(s.publications.get('p_cam')).toMatchObject({ subscription: 'subscribed', consumerId: 'c1', track });
    s = reduceRoster(s, { type: 'consumerClosed', consumerId: 'c1' });
    expect(s.publications.get('p_cam')).toMatchObject({ subscription: 'unsubscribed', consumerId: null, track: null });
  });

  it('publication removed drops it; unknown ids change nothing', () => {
    const s = run(joined());
    const removed = reduceRoster(s, { type: 'publicationRemoved', producerId: 'p_cam' });
    expect(removed.publications.has('p_cam')).toBe(false);
    expect(reduceRoster(removed, { type: 'publicationRemoved', producerId: 'p_cam' })).toBe(removed);
    expect(reduceRoster(s, { type: 'consumerClosed', consumerId: 'nope' })).toBe(s);
  });

  it('mediaReset unsubscribes everything but keeps the publications', () => {
    const s = run(joined(), { type: 'subscribed', producerId: 'p_cam', consumerId: 'c1', track }, { type: 'mediaReset' });
    expect(s.publications.size).toBe(2);
    expect([...s.publications.values()].every((p) => p.subscription === 'unsubscribed')).toBe(true);
  });

  it('participants join, update and leave', () => {
    let s = run(joined(), { type: 'participantJoined', participant: participant('par_s1', 'student', { joinedAt: '2025-01-01T08:05:00.000Z' }) });
    expect(remoteParticipants(s).map((p) => p.id)).toEqual(['par_master', 'par_s1']);
    s = reduceRoster(s, { type: 'participantUpdated', participant: { ...participant('par_s1', 'student'), connection: 'reconnecting' } });
    expect(remoteParticipants(s).find((p) => p.id === 'par_s1')?.connection).toBe('reconnecting');
    s = reduceRoster(s, { type: 'participantLeft', participantId: 'par_s1' });
    expect(remoteParticipants(s).map((p) => p.id)).toEqual(['par_master']);
  });

  it('lesson pushes replace the lesson', () => {
    const s = run(joined(), { type: 'lesson', lesson: { ...lesson, status: 'ended' } });
    expect(s.lesson?.status).toBe('ended');
  });

  it('stage: master camera first, chosen angle respected, all remote audio', () => {
    const s = run(
      joined([
        pub('p_doc', 'par_master', 'video', 'document'),
        pub('p_cam', 'par_master', 'video', 'camera'),
        pub('p_mic', 'par_master', 'audio'),
      ]),
    );
    const stage = pickStage(s);
    expect(stage.video?.producerId).toBe('p_cam');
    expect(stage.angles.map((a) => a.producerId)).toEqual(['p_cam', 'p_doc']);
    expect(stage.audio.map((a) => a.producerId)).toEqual(['p_mic']);
    expect(pickStage(s, 'p_doc').video?.producerId).toBe('p_doc');
    expect(pickStage(s, 'gone').video?.producerId).toBe('p_cam');
  });

  it('stage: video from a participant not announced yet still shows; other roles’ video does not', () => {
    const s = run(
      joined([pub('p_feed', 'par_ingest', 'video'), pub('p_room', 'par_other_room', 'video')]),
      { type: 'participantJoined', participant: participant('par_other_room', 'classroom_device') },
    );
    expect(pickStage(s).angles.map((a) => a.producerId)).toEqual(['p_feed']);
  });
});
