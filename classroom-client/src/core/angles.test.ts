import type { Publication } from '@dualclass/protocol';
import { describe, expect, it } from 'vitest';
import { angleLayout, emptyAngles, reduceAngles, studioAngles, type AngleEvent, type AngleState } from './angles.ts';
import { emptyInteraction, reduceInteraction } from './interaction.ts';
import { emptyRoster, pickStage, reduceRoster, type RosterEvent, type RosterState } from './model.ts';
import { joinData, participant, publication } from './testing.ts';

const master = participant('par_master', 'master_teacher');
const encoder = participant('par_enc', 'master_teacher');
const me = participant('par_me', 'classroom_device');
const pub = (producerId: string, participantId: string, source: Publication['source'], kind: 'audio' | 'video' = 'video', label = producerId): Publication =>
  publication(producerId, participantId, kind, { source, label });

const CAM = pub('p_cam', 'par_enc', 'camera', 'video', '教师特写');
const MIC = pub('p_mic', 'par_enc', 'microphone', 'audio');
const BENCH = pub('p_bench', 'par_enc', 'document', 'video', '实验台');
const SLIDES = pub('p_slides', 'par_master', 'screen', 'video', '课件');

const roster = (...events: RosterEvent[]): RosterState =>
  events.reduce(reduceRoster, reduceRoster(emptyRoster, { type: 'joined', data: joinData(me, [master, encoder], [SLIDES, BENCH, CAM, MIC]) }));
const angles = (state: RosterState = roster()) => pickStage(state).angles;
const run = (...events: AngleEvent[]): AngleState => events.reduce(reduceAngles, emptyAngles);
const large = (state: AngleState, r: RosterState = roster()) => angleLayout(angles(r), state).large?.producerId ?? null;

describe('studio angles: which one is large', () => {
  it('lists the studio video angles, teacher camera first, and puts the first large with no choice or direction', () => {
    expect(angles().map((a) => a.producerId)).toEqual(['p_cam', 'p_bench', 'p_slides']);
    const layout = angleLayout(angles(), emptyAngles);
    expect(layout.large?.producerId).toBe('p_cam');
    expect(layout.small.map((a) => a.producerId)).toEqual(['p_bench', 'p_slides']);
    expect(layout.largeIsDirected).toBe(false);
    expect(angleLayout([], emptyAngles)).toEqual({ large: null, small: [], largeIsDirected: false });
  });

  it('the viewer’s choice is large; the others stay small', () => {
    const layout = angleLayout(angles(), run({ type: 'angleChosen', producerId: 'p_bench' }));
    expect(layout.large?.producerId).toBe('p_bench');
    expect(layout.small.map((a) => a.producerId)).toEqual(['p_cam', 'p_slides']);
  });

  it('导播 switches the viewer; they may switch away; a new direct command switches them again', () => {
    let s = run({ type: 'angleChosen', producerId: 'p_bench' }, { type: 'angleDirected', producerId: 'p_slides', by: 'par_master' });
    expect(large(s)).toBe('p_slides');
    expect(angleLayout(angles(), s).largeIsDirected).toBe(true);
    s = reduceAngles(s, { type: 'angleChosen', producerId: 'p_cam' });
    expect(large(s)).toBe('p_cam');
    expect(s.directed).toBe('p_slides');
    s = reduceAngles(s, { type: 'angleDirected', producerId: 'p_slides', by: 'par_master' });
    expect(large(s)).toBe('p_slides');
  });

  it('clearing the direction keeps what is large now', () => {
    const s = run({ type: 'angleDirected', producerId: 'p_bench', by: 'par_master' }, { type: 'angleDirected', producerId: null, by: null });
    expect(s).toEqual({ chosen: 'p_bench', directed: null, directedBy: null });
    expect(large(s)).toBe('p_bench');
  });

  it('angles come and go live: a vanished choice falls back to the directed angle, then to the first', () => {
    const s = run({ type: 'angleDirected', producerId: 'p_slides', by: 'par_master' }, { type: 'angleChosen', producerId: 'p_bench' });
    const withoutBench = roster({ type: 'publicationRemoved', producerId: 'p_bench' });
    expect(large(s, withoutBench)).toBe('p_slides');
    const withoutBoth = roster({ type: 'publicationRemoved', producerId: 'p_bench' }, { type: 'publicationRemoved', producerId: 'p_slides' });
    expect(large(s, withoutBoth)).toBe('p_cam');
    const added = roster({ type: 'publicationAdded', publication: pub('p_new', 'par_enc', 'document', 'video', '显微镜') });
    expect(angleLayout(angles(added), s).small.map((a) => a.producerId)).toContain('p_new');
    // The choice comes back into force when its angle reappears.
    expect(large(s, roster())).toBe('p_bench');
  });

  it('a late joiner follows the directed angle from the join snapshot; a re-join keeps the viewer’s own choice', () => {
    let s = reduceAngles(emptyAngles, { type: 'angleJoined', directed: 'p_bench' });
    expect(large(s)).toBe('p_bench');
    s = reduceAngles(s, { type: 'angleChosen', producerId: 'p_cam' });
    expect(reduceAngles(s, { type: 'angleJoined', directed: 'p_bench' })).toBe(s);
    expect(reduceAngles(s, { type: 'angleJoined', directed: null })).toEqual({ chosen: 'p_cam', directed: null, directedBy: null });
  });

  it('lives in the interaction state: the join snapshot and pushes reach it', () => {
    const joined = reduceInteraction(emptyInteraction, { type: 'joined', data: joinData(me, [master], [], { directedAngle: 'p_slides' }) });
    expect(joined.angles.directed).toBe('p_slides');
    expect(joined.angles.chosen).toBe('p_slides');
    const chose = reduceInteraction(joined, { type: 'angleChosen', producerId: 'p_cam' });
    expect(chose.angles.chosen).toBe('p_cam');
    expect(reduceInteraction(chose, { type: 'angleChosen', producerId: 'p_cam' })).toBe(chose);
  });

  it('the studio list includes its own angles and encoders’ angles, never audio or a classroom camera', () => {
    const s = roster(
      { type: 'participantJoined', participant: participant('par_room', 'classroom_device') },
      { type: 'publicationAdded', publication: pub('p_room', 'par_room', 'camera') },
    );
    const asMaster = reduceRoster(s, { type: 'joined', data: joinData(master, [encoder, participant('par_room', 'classroom_device')], [SLIDES, BENCH, CAM, MIC, pub('p_room', 'par_room', 'camera')]) });
    expect(studioAngles(asMaster).map((a) => a.producerId)).toEqual(['p_cam', 'p_bench', 'p_slides']);
  });
});
