import { can, type Publication, type Role } from '@dualclass/protocol';

/**
 * Who may receive a publication: everything `all`; `staff` publications (a classroom's room camera and mic
 * while it is off stage) only roles that see the classroom wall.
 */
export function canReceive(role: Role, publication: Pick<Publication, 'audience'>): boolean {
  return publication.audience === 'all' || can(role, 'roster:view');
}
