/*
 * Operations endpoints shared by signaling, sfu-server and the recorder, like the RPC link: one implementation of
 * /healthz, /readyz and /metrics for every service. Its own entry point keeps prom-client out of the browser bundle.
 */
export { Readiness, type ReadinessCheck, type ReadinessOptions, type ReadinessReport } from './readiness.ts';
export { createMetricsRegistry, opsHandler, type OpsRoutes } from './ops-http.ts';
export { secretMatcher } from '../secret-match.ts';
