import type { types } from 'mediasoup';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { WorkerPool } from './worker-pool.ts';

// Loss comes from getStats, one worker round trip per object: a scrape samples at most this many producers and
// as many consumers (the next ones in line on the next scrape), and a sample serves scrapes for a few seconds.
const LOSS_SAMPLE_LIMIT = 50;
const LOSS_SAMPLE_TTL_MS = 5_000;
// RTCP's fraction lost is a fixed-point number in 1/256ths (RFC 3550 §6.4.1), and mediasoup reports it as such.
const FRACTION_LOST_SCALE = 256;

type Direction = 'inbound' | 'outbound';

/**
 * Live mediasoup objects, followed through each worker's observer events (mediasoup's own monitoring hook), so
 * counting costs nothing on the media path and needs nothing from the rooms' bookkeeping.
 */
class MediaObjects {
  readonly routers = new Set<types.Router>();
  readonly transports = new Set<types.Transport>();
  readonly producers = new Set<types.Producer>();
  readonly consumers = new Set<types.Consumer>();

  watch(worker: types.Worker): void {
    worker.observer.on('newrouter', (router) => {
      track(this.routers, router);
      router.observer.on('newtransport', (transport) => {
        track(this.transports, transport);
        transport.observer.on('newproducer', (producer) => track(this.producers, producer));
        transport.observer.on('newconsumer', (consumer) => track(this.consumers, consumer));
      });
    });
  }
}

function track<T extends { observer: { once(event: 'close', listener: () => void): unknown } }>(set: Set<T>, object: T): void {
  set.add(object);
  object.observer.once('close', () => set.delete(object));
}

interface LossSample {
  streams: number;
  mean: number;
  max: number;
}

/** Takes up to `limit` items starting at a rotating cursor, so successive scrapes cover every object in turn. */
class RoundRobin<T> {
  #cursor = 0;
  take(items: Set<T>, limit: number): T[] {
    const all = [...items];
    if (all.length <= limit) return all;
    const start = this.#cursor % all.length;
    this.#cursor = start + limit;
    return [...all.slice(start, start + limit), ...all.slice(0, Math.max(0, start + limit - all.length))];
  }
}

async function sampleLoss(objects: (types.Producer | types.Consumer)[], statType: string): Promise<LossSample> {
  const results = await Promise.allSettled(objects.map((o) => o.getStats() as Promise<{ type: string; fractionLost: number }[]>));
  const fractions = results.flatMap((r) => (r.status === 'fulfilled' ? r.value.filter((s) => s.type === statType).map((s) => s.fractionLost / FRACTION_LOST_SCALE) : []));
  if (fractions.length === 0) return { streams: 0, mean: 0, max: 0 };
  return { streams: fractions.length, mean: fractions.reduce((a, b) => a + b, 0) / fractions.length, max: Math.max(...fractions) };
}

/** Registers the SFU's metrics; every value is read when Prometheus scrapes, nothing runs between scrapes. */
export function registerSfuMetrics(registry: Registry, pool: WorkerPool): void {
  const objects = new MediaObjects();
  // Called before any router exists, so watching the first workers now misses nothing.
  for (const { worker } of pool.workers()) objects.watch(worker);
  pool.on('workerstarted', ({ worker }) => objects.watch(worker));

  const registers = [registry];
  new Gauge({
    name: 'dualclass_sfu_workers',
    help: 'Live mediasoup workers',
    registers,
    collect() {
      this.set(pool.workers().length);
    },
  });
  new Counter({
    name: 'dualclass_sfu_worker_cpu_seconds_total',
    help: 'CPU time (user + system) used by each mediasoup worker process; restarts from 0 when a worker is replaced',
    labelNames: ['slot'],
    registers,
    async collect() {
      const usage = await Promise.allSettled(pool.workers().map(async ({ slot, worker }) => ({ slot, ru: await worker.getResourceUsage() })));
      // Mirrors the workers' own cumulative counters, dropping the slots whose worker is gone.
      this.reset();
      for (const u of usage) if (u.status === 'fulfilled') this.inc({ slot: String(u.value.slot) }, (u.value.ru.ru_utime + u.value.ru.ru_stime) / 1000);
    },
  });
  new Counter({
    name: 'dualclass_sfu_worker_restarts_total',
    help: 'mediasoup workers replaced after dying',
    registers,
    collect() {
      this.reset();
      this.inc(pool.list().reduce((n, w) => n + w.restarts, 0));
    },
  });
  const count = (name: string, help: string, set: () => Set<unknown>) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(set().size);
      },
    });
  count('dualclass_sfu_routers', 'mediasoup routers (one per lesson and worker it uses)', () => objects.routers);
  count('dualclass_sfu_transports', 'mediasoup transports (WebRTC, recording taps, RTP ingest)', () => objects.transports);
  const byKind = (name: string, help: string, set: () => Set<types.Producer | types.Consumer>) =>
    new Gauge({
      name,
      help,
      labelNames: ['kind'],
      registers,
      collect() {
        const counts = { audio: 0, video: 0 };
        for (const o of set()) counts[o.kind]++;
        for (const [kind, n] of Object.entries(counts)) this.set({ kind }, n);
      },
    });
  byKind('dualclass_sfu_producers', 'mediasoup producers (media coming into the SFU)', () => objects.producers);
  byKind('dualclass_sfu_consumers', 'mediasoup consumers (media going out, recording taps included)', () => objects.consumers);

  const producerTurn = new RoundRobin<types.Producer>();
  const consumerTurn = new RoundRobin<types.Consumer>();
  let cached: { at: number; sample: Promise<Record<Direction, LossSample>> } | undefined;
  const loss = () => {
    if (!cached || performance.now() - cached.at >= LOSS_SAMPLE_TTL_MS) {
      const sample = Promise.all([
        sampleLoss(producerTurn.take(objects.producers, LOSS_SAMPLE_LIMIT), 'inbound-rtp'),
        sampleLoss(consumerTurn.take(objects.consumers, LOSS_SAMPLE_LIMIT), 'outbound-rtp'),
      ]).then(([inbound, outbound]) => ({ inbound, outbound }));
      cached = { at: performance.now(), sample };
    }
    return cached.sample;
  };
  const lossGauge = (name: string, help: string, value: (s: LossSample) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['direction'],
      registers,
      async collect() {
        const sample = await loss();
        for (const direction of ['inbound', 'outbound'] as const) this.set({ direction }, value(sample[direction]));
      },
    });
  const about = `over sampled RTP streams (inbound: publishers to the SFU, outbound: SFU to viewers as their RTCP reports it; at most ${LOSS_SAMPLE_LIMIT} objects per direction per scrape)`;
  lossGauge('dualclass_sfu_rtp_loss_ratio_mean', `Mean RTCP fraction lost ${about}`, (s) => s.mean);
  lossGauge('dualclass_sfu_rtp_loss_ratio_max', `Highest RTCP fraction lost ${about}`, (s) => s.max);
  lossGauge('dualclass_sfu_rtp_streams_sampled', 'RTP streams the loss ratios were computed over', (s) => s.streams);
}
