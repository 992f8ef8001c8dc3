import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Gauge } from 'prom-client';
import { createMetricsRegistry, opsHandler } from './ops-http.ts';
import { Readiness } from './readiness.ts';

let server: Server | undefined;
afterEach(() => server?.close());

async function serve(metricsToken?: string): Promise<string> {
  const metrics = createMetricsRegistry();
  new Gauge({ name: 'dualclass_test_value', help: 'a test value', registers: [metrics] }).set(3);
  const ops = opsHandler({ readiness: new Readiness([{ name: 'db', run: async () => undefined }]), metrics, metricsToken });
  server = createServer((req, res) => {
    if (!ops(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('opsHandler', () => {
  it('serves the probes and Prometheus text, and leaves every other path to the caller', async () => {
    const url = await serve();
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${url}/readyz?verbose=1`)).json()).toMatchObject({ status: 'ready', checks: { db: 'ok' } });
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toContain('dualclass_test_value 3');
    expect(text).toContain('process_cpu_seconds_total');
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${url}/other`)).status).toBe(404);
  });

  it('wants the metrics token for /metrics only when one is configured', async () => {
    const token = 'metrics-token-0123456789';
    const url = await serve(token);
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });
});
