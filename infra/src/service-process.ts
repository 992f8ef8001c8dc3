import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  /** Resolves with the first JSON log line for which `match` returns a value. */
  waitForLog<T>(match: (line: Record<string, unknown>) => T | undefined, timeoutMs?: number): Promise<T>;
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

/**
 * Runs one of our TypeScript services as its own process, the way production runs it, and lets
 * the caller wait on its structured (JSON) log lines.
 */
export function startService(
  name: string,
  entry: string,
  env: NodeJS.ProcessEnv,
  options: { echo?: (line: string) => void } = {},
): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const waiters = new Set<(line: Record<string, unknown>) => void>();
  const onLine = (text: string) => {
    options.echo?.(text);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return;
    }
    if (parsed && typeof parsed === 'object') for (const w of waiters) w(parsed as Record<string, unknown>);
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return {
    name,
    child,
    waitForLog(match, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`${name}: no matching log line within ${timeoutMs} ms`)), timeoutMs);
        const onExit = (code: number | null) => done(new Error(`${name} exited (code ${code}) before it was ready`));
        const waiter = (line: Record<string, unknown>) => {
          const value = match(line);
          if (value !== undefined) done(undefined, value);
        };
        function done(err: Error | undefined, value?: unknown) {
          clearTimeout(timer);
          waiters.delete(waiter);
          child.off('exit', onExit);
          if (err) reject(err);
          else resolve(value as never);
        }
        waiters.add(waiter);
        child.once('exit', onExit);
      });
    },
    async stop(signal = 'SIGTERM', graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
