import { describe, expect, it } from 'vitest';
import { emptyInteraction, reduceInteraction } from './interaction.ts';
import { emptyRoster, reduceRoster, type RosterState } from './model.ts';
import { classroomNames, classroomWall, paginate, raisedHands, stageFeeds } from './selectors.ts';
import { layerCovering, planSubscriptions, STUDIO_TOP_WIDTH, type ConsumePolicy } from './subscriptions.ts';
import { joinData, participant, publication } from './testing.ts';

const master = participant('par_master', 'master_teacher');
const roomA = participant('par_a', 'classroom_device', { displayName: '九年级（2）班', classroomId: 'cls_1' });
const roomB = participant('par_b', 'classroom_device', { displayName: '九年级（1）班', classroomId: 'cls_2', onStage: true });
const teacherA = participant('par_lt', 'local_teacher', { displayName: '李老师', classroomId: 'cls_1' });
const student = participant('par_s', 'student', { classroomId: 'cls_1', handRaisedAt: '2025-01-01T08:03:00.000Z' });

function roster(self = participant('par_me', 'observer'), extra: { a?: Partial<typeof roomA> } = {}): RosterState {
  return reduceRoster(emptyRoster, {
    type: 'joined',
    data: joinData(
      self,
      [master, { ...roomA, ...extra.a }, roomB, teacherA, student],
      [
        publication('m_cam', 'par_master', 'video'),
        publication('m_mic', 'par_master', 'audio'),
        publication('a_cam', 'par_a', 'video', { audience: 'staff' }),
        publication('a_mic', 'par_a', 'audio', { audience: 'staff', paused: true }),
        publication('b_cam', 'par_b', 'video'),
        publication('b_mic', 'par_b', 'audio'),
        publication('ingest', 'par_unknown', 'video', { simulcastLayers: 1 }),
      ],
    ),
  });
}

describe('classroom wall and hands', () => {
  it('one tile per room device, sorted by name, with its local teacher, tracks, health and attendance', () => {
    let interaction = reduceInteraction(emptyInteraction, {
      type: 'health',
      health: { participantId: 'par_a', reportedAt: '2025-01-01T08:00:00.000Z', state: 'connected', sendBitrateKbps: 120, recvBitrateKbps: 900, lossPct: 0, rttMs: 30, audioLevel: 0.1 },
    });
    interaction = reduceInteraction(interaction, { type: 'attendance', attendance: { classroomId: 'cls_1', present: 40, rosterSize: 42, checkedIn: [], recordedAt: null } });
    const wall = classroomWall(roster(), interaction);
    expect(wall.map((t) => t.participant.id)).toEqual(['par_b', 'par_a']);
    const a = wall[1];
    expect(a?.localTeacher?.displayName).toBe('李老师');
    expect(a?.camera?.producerId).toBe('a_cam');
    expect(a?.microphone?.producerId).toBe('a_mic');
    expect(a?.health?.sendBitrateKbps).toBe(120);
    expect(a?.attendance?.present).toBe(40);
    expect(wall[0]?.localTeacher).toBeNull();
  });

  it('raised hands: longest waiting first, nobody on stage', () => {
    const r = roster(undefined, { a: { handRaisedAt: '2025-01-01T08:05:00.000Z' } });
    expect(raisedHands(r).map((p) => p.id)).toEqual(['par_s', 'par_a']);
  });

  it('stage feeds follow the stage order, self left out unless asked', () => {
    const interaction = reduceInteraction(emptyInteraction, { type: 'stage', stage: { limit: 4, members: ['par_b'] } });
    const feeds = stageFeeds(roster(), interaction);
    expect(feeds.map((f) => [f.participant.id, f.video?.producerId, f.audio?.producerId])).toEqual([['par_b', 'b_cam', 'b_mic']]);
    expect(stageFeeds(roster(roomB), interaction)).toEqual([]);
    expect(stageFeeds(roster(roomB), interaction, true)).toHaveLength(1);
  });

  it('classroom names and pages', () => {
    expect(classroomNames(roster())).toEqual(new Map([['cls_1', '九年级（2）班'], ['cls_2', '九年级（1）班']]));
    const items = Array.from({ length: 50 }, (_, i) => i);
    expect(paginate(items, 0, 12)).toMatchObject({ page: 0, pages: 5 });
    expect(paginate(items, 4, 12).items).toEqual([48, 49]);
    expect(paginate(items, 9, 12).page).toBe(4);
    expect(paginate([], 3, 12)).toEqual({ items: [], page: 0, pages: 1 });
  });
});

describe('subscription plan', () => {
  const policy = (p: Partial<ConsumePolicy>): ConsumePolicy => ({ master: false, stage: false, wall: new Set(), ...p });

  it('classroom screen: master at 2, the stage at 1 (video and audio), not its own tracks', () => {
    const plan = planSubscriptions(roster(roomA), policy({ master: 2, stage: 1 }));
    expect(Object.fromEntries(plan)).toEqual({ m_cam: 2, m_mic: null, b_cam: 1, b_mic: null, ingest: null });
  });

  it('studio wall: only visible tiles, video only, layer 0; the stage at its own layer', () => {
    const plan = planSubscriptions(roster(master), policy({ stage: 2, wall: new Set(['par_a', 'par_b']) }));
    expect(Object.fromEntries(plan)).toEqual({ a_cam: 0, b_cam: 2, b_mic: null });
  });

  it('classroom screen with angles: the large angle at the top layer, the small picture-in-picture ones at 0', () => {
    const r = reduceRoster(roster(roomA), { type: 'publicationAdded', publication: publication('m_doc', 'par_master', 'video', { source: 'document' }) });
    const plan = planSubscriptions(r, policy({ master: 2, stage: 1, largeAngle: 'm_doc' }));
    expect(Object.fromEntries(plan)).toMatchObject({ m_doc: 2, m_cam: 0, m_mic: null });
  });

  it('a layer covers a tile: 320 / 640 / 1280 device pixels wide from a 1280-wide top layer', () => {
    expect(STUDIO_TOP_WIDTH).toBe(1280);
    expect([1, 320, 321, 640, 641, 1280, 2560].map((px) => layerCovering(px, 3))).toEqual([0, 0, 1, 1, 2, 2, 2]);
    expect(layerCovering(500, 2)).toBe(0); // two layers: 640 and 1280
    expect(layerCovering(500, 1)).toBe(0);
  });

  it('a phone: the large angle at the smallest layer that covers its tile, never above the policy’s layer', () => {
    const r = reduceRoster(roster(student), { type: 'publicationAdded', publication: publication('m_doc', 'par_master', 'video', { source: 'document' }) });
    // 390 CSS px × devicePixelRatio 1.5 = 585 device pixels: 640 covers it.
    expect(Object.fromEntries(planSubscriptions(r, policy({ master: 2, largeAngle: 'm_cam', largeWidth: 585 })))).toMatchObject({ m_cam: 1, m_doc: 0 });
    expect(Object.fromEntries(planSubscriptions(r, policy({ master: 1, largeAngle: 'm_cam', largeWidth: 2000 })))).toMatchObject({ m_cam: 1 });
    expect(Object.fromEntries(planSubscriptions(r, policy({ master: 2, largeAngle: 'm_cam', largeWidth: null })))).toMatchObject({ m_cam: 2 });
  });

  it('a cap after failed steps up holds the large angle below it, whatever the tile', () => {
    const plan = planSubscriptions(roster(roomA), policy({ master: 2, stage: 1, largeAngle: 'm_cam', largeCap: 1 }));
    expect(Object.fromEntries(plan)).toMatchObject({ m_cam: 1, b_cam: 1 });
  });

  it('仅音频+课件: every audio and the courseware, no camera, stage or wall video', () => {
    const r = reduceRoster(roster(roomA), { type: 'publicationAdded', publication: publication('m_screen', 'par_master', 'video', { source: 'screen' }) });
    const plan = planSubscriptions(r, policy({ master: 2, stage: 1, largeAngle: 'm_cam', audioOnly: true, wall: new Set(['par_b']) }));
    expect(Object.fromEntries(plan)).toEqual({ m_mic: null, m_screen: 2, b_mic: null });
  });

  it('a local teacher’s console: only its room’s thumbnail', () => {
    const plan = planSubscriptions(roster(teacherA), policy({ wall: new Set(['par_a']) }));
    expect(Object.fromEntries(plan)).toEqual({ a_cam: 0 });
  });
});
