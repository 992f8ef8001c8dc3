import type { ClassroomClient } from '../core/client.ts';
import { useClassroom } from '../core/hooks.ts';
import { LocalTeacherView } from './LocalTeacherView.tsx';
import { RoomScreenView } from './RoomScreenView.tsx';

/**
 * `/classroom` serves a remote classroom's two devices: the room device on the big TV (room camera and
 * mic, the lesson full screen) and the local teacher's console (辅导教师), chosen by the token's role.
 */
export function ClassroomView({ client }: { client: ClassroomClient }) {
  const { self } = useClassroom(client);
  if (self?.role === 'local_teacher') return <LocalTeacherView client={client} />;
  return <RoomScreenView client={client} />;
}
