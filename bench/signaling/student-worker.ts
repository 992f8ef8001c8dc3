import { parentPort, workerData } from 'node:worker_threads';
import { io as connect, type Socket } from 'socket.io-client';

/*
 * One worker thread's share of the quiz bench's student sockets: connects them (websocket transport, as browsers
 * do), joins the lesson, and stamps every `quiz:launched` push with process.hrtime — the monotonic clock every
 * thread of this process shares with the master's launch stamp.
 */

export interface StudentWorkerData {
  url: string;
  tokens: string[];
  /** Handshakes + joins in flight at once (a school's students do not all click in the same millisecond). */
  concurrency: number;
}

export type ToStudents = { type: 'collect'; quizId: string; timeoutMs: number } | { type: 'close' };
export type FromStudents =
  | { type: 'joined'; joined: number; errors: string[] }
  | { type: 'collected'; quizId: string; received: BigInt64Array }
  | { type: 'closed' };

const { url, tokens, concurrency } = workerData as StudentWorkerData;
const port = parentPort!;
const sockets: Socket[] = [];
/** quizId → receive times (ns), one per socket that got the push. */
const receipts = new Map<string, bigint[]>();
const arrivals = new Set<() => void>();
let joined = 0;

function joinOne(token: string): Promise<void> {
  const socket = connect(url, { path: '/socket.io', transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
  sockets.push(socket);
  socket.on('quiz:launched', (quiz: { id: string }) => {
    const at = process.hrtime.bigint();
    const list = receipts.get(quiz.id) ?? [];
    list.push(at);
    receipts.set(quiz.id, list);
    for (const wake of arrivals) wake();
  });
  return new Promise((resolve, reject) => {
    socket.once('connect_error', reject);
    socket.once('connect', () => {
      socket
        .timeout(60_000)
        .emitWithAck('lesson:join', {})
        .then((ack: { ok: boolean; error?: { code: string } }) => (ack.ok ? resolve() : reject(new Error(ack.error?.code ?? 'join refused'))), reject);
    });
  });
}

async function joinAll(): Promise<void> {
  const errors: string[] = [];
  let next = 0;
  const lane = async () => {
    while (next < tokens.length) {
      const token = tokens[next++]!;
      await joinOne(token).then(
        () => joined++,
        (err: unknown) => errors.push(err instanceof Error ? err.message : String(err)),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tokens.length) }, lane));
  port.postMessage({ type: 'joined', joined, errors: errors.slice(0, 5) } satisfies FromStudents);
}

/** Resolves once every socket saw the quiz, or at the timeout with what arrived. */
function collect(quizId: string, timeoutMs: number): Promise<bigint[]> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      arrivals.delete(check);
      resolve(receipts.get(quizId) ?? []);
    };
    const check = () => {
      if ((receipts.get(quizId)?.length ?? 0) >= joined) done();
    };
    const timer = setTimeout(done, timeoutMs);
    arrivals.add(check);
    check();
  });
}

port.on('message', async (msg: ToStudents) => {
  if (msg.type === 'collect') {
    const received = BigInt64Array.from(await collect(msg.quizId, msg.timeoutMs));
    receipts.delete(msg.quizId);
    port.postMessage({ type: 'collected', quizId: msg.quizId, received } satisfies FromStudents, [received.buffer]);
  } else {
    for (const socket of sockets) socket.disconnect();
    port.postMessage({ type: 'closed' } satisfies FromStudents);
  }
});

await joinAll();
