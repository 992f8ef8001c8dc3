import { randomUUID } from 'node:crypto';

const REQUEST_TIMEOUT_MS = 10_000;

/** A request Janus (the core or a plugin) refused, with Janus's own error code and reason. */
export class JanusApiError extends Error {
  constructor(
    readonly request: string,
    readonly code: number,
    readonly reason: string,
  ) {
    super(`janus ${request} failed: ${code} ${reason}`);
    this.name = 'JanusApiError';
  }
}

/** One Janus session over the HTTP (REST) transport, with one handle attached to one plugin. */
export interface JanusHandle {
  /**
   * Sends a synchronous plugin request and returns the plugin's answer; plugin errors
   * (`error_code`/`error` in the answer) are thrown as JanusApiError.
   */
  request<T extends Record<string, unknown>>(body: { request: string } & Record<string, unknown>): Promise<T>;
  /** Destroys the session (and with it the handle). */
  close(): Promise<void>;
}

export async function attachPlugin(apiUrl: string, plugin: string): Promise<JanusHandle> {
  const session = await call<{ data: { id: number } }>(apiUrl, 'create', { janus: 'create' });
  const sessionUrl = `${apiUrl}/${session.data.id}`;
  try {
    const handle = await call<{ data: { id: number } }>(sessionUrl, 'attach', { janus: 'attach', plugin });
    const handleUrl = `${sessionUrl}/${handle.data.id}`;
    return {
      async request<T>(body: { request: string } & Record<string, unknown>) {
        const answer = await call<{ plugindata?: { data?: Record<string, unknown> } }>(handleUrl, body.request, {
          janus: 'message',
          body,
        });
        const data = answer.plugindata?.data;
        if (!data) throw new JanusApiError(body.request, 0, 'answer without plugin data');
        if (typeof data.error_code === 'number') {
          throw new JanusApiError(body.request, data.error_code, String(data.error ?? 'unknown error'));
        }
        return data as T;
      },
      async close() {
        await call(sessionUrl, 'destroy', { janus: 'destroy' });
      },
    };
  } catch (err) {
    await call(sessionUrl, 'destroy', { janus: 'destroy' }).catch(() => undefined);
    throw err;
  }
}

/** One Janus API round trip; `{janus: "error"}` answers and HTTP failures become JanusApiError. */
async function call<T>(url: string, what: string, message: Record<string, unknown>): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...message, transaction: randomUUID() }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  }).catch((err: Error) => {
    // fetch says only "fetch failed"; the cause (ECONNREFUSED: Janus is gone) is what explains it.
    throw new Error(`janus ${what}: no answer from ${url}: ${(err.cause as Error | undefined)?.message ?? err.message}`, { cause: err });
  });
  if (!res.ok) throw new JanusApiError(what, res.status, `HTTP ${res.status} ${await res.text()}`);
  const answer = (await res.json()) as { janus?: string; error?: { code?: number; reason?: string } };
  if (answer.janus === 'error') {
    throw new JanusApiError(what, answer.error?.code ?? 0, answer.error?.reason ?? 'unknown error');
  }
  return answer as T;
}

/** The running server's version string (e.g. "1.1.2"), from GET /info. */
export async function janusVersion(apiUrl: string): Promise<string> {
  const res = await fetch(`${apiUrl}/info`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  if (!res.ok) throw new JanusApiError('info', res.status, `HTTP ${res.status}`);
  const info = (await res.json()) as { version_string?: string };
  return info.version_string ?? 'unknown';
}
