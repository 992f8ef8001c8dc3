import type { Publication, Role } from '@dualclass/protocol';

/**
 * Who gets a congested viewer's bitrate first: courseware (a screen share or document camera, where small
 * text must stay legible) over the master camera over other studio angles over classrooms on stage over the
 * studio wall's classroom thumbnails. Audio is not in this contest: mediasoup never drops audio for bandwidth,
 * and the senders' Opus FEC rides out loss.
 */
export function consumerPriority(publication: Pick<Publication, 'kind' | 'source' | 'audience'>, ownerRole: Role, isMainCamera: boolean): number {
  if (publication.kind === 'audio') return 255;
  if (publication.source === 'screen' || publication.source === 'document') return 200;
  if (ownerRole === 'master_teacher') return isMainCamera ? 150 : 100;
  if (publication.audience === 'all') return 60; // a classroom or student on stage
  return 10; // wall thumbnails
}
