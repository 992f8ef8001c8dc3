/** A management API request with the stack's admin key, answered with its JSON body; a non-2xx status throws. */
export async function adminRequest(stack: { url: string; adminApiKey: string }, pathname: string, init: RequestInit = {}): Promise<unknown> {
  const res = await fetch(new URL(pathname, stack.url), {
    ...init,
    headers: { authorization: `Bearer ${stack.adminApiKey}`, 'content-type': 'application/json', ...init.headers },
  });
  const body: unknown = await res.json();
  if (!res.ok) throw new Error(`${pathname}: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body;
}
