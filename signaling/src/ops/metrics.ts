import { CONNECTION_STATES, ROLES } from '@dualclass/protocol';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { LessonService } from '../lessons/lesson-service.ts';
import type { Dispatcher } from '../realtime/dispatch.ts';
import type { ClassroomServer } from '../realtime/socket-server.ts';

/**
 * Signaling's metrics. Lesson and participant gauges are read from the live lesson registry at scrape time;
 * requests are counted by the dispatcher as it answers them, so its own refusals (rate limit, permission,
 * validation) count alongside the handlers' results.
 */
export function registerSignalingMetrics(registry: Registry, deps: { lessons: LessonService; io: ClassroomServer; dispatcher: Dispatcher }): void {
  const registers = [registry];
  new Gauge({
    name: 'dualclass_live_lessons',
    help: 'Lessons with live state (participants) on this signaling node',
    registers,
    collect() {
      this.set(deps.lessons.registry.all().length);
    },
  });
  new Gauge({
    name: 'dualclass_participants',
    help: 'Participants in live lessons on this node, by role and connection state (reconnecting: within the resume grace period)',
    labelNames: ['role', 'connection'],
    registers,
    collect() {
      const counts = new Map<string, number>();
      for (const live of deps.lessons.registry.all()) {
        for (const p of live.participants) {
          const key = `${p.info.role} ${p.info.connection}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      }
      // Every combination is set, zero included, so a series does not vanish when its last participant leaves.
      for (const role of ROLES) for (const connection of CONNECTION_STATES) this.set({ role, connection }, counts.get(`${role} ${connection}`) ?? 0);
    },
  });
  new Gauge({
    name: 'dualclass_socket_connections',
    help: 'Open participant socket.io connections on this node',
    registers,
    collect() {
      this.set(deps.io.of('/').sockets.size);
    },
  });
  const requests = new Counter({
    name: 'dualclass_socket_requests_total',
    help: 'Acknowledged socket requests by event and result (ok, or the wire error code)',
    labelNames: ['event', 'result'],
    registers,
  });
  const latency = new Histogram({
    name: 'dualclass_socket_request_duration_seconds',
    help: 'Socket request latency from arrival to acknowledgement, by event',
    labelNames: ['event'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });

  deps.dispatcher.onSettled((event, result, seconds) => {
    requests.inc({ event, result });
    latency.observe({ event }, seconds);
  });
}
