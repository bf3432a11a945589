import { Type } from 'typebox';
import type { ServiceMetrics } from '../metrics.js';
import { operation } from '../openapi.js';
import type { HttpApp } from './route-context.js';

export const METRICS_PATH = '/metrics';

/**
 * The app's metrics for Prometheus to scrape. Open like /healthz, whatever
 * the auth mode: a scraper carries no token, and the metrics name no
 * identifier, only operations, namespaces, statuses and error codes.
 */
export function metricsRoutes(app: HttpApp, metrics: ServiceMetrics): void {
  const doc = operation({
    id: 'metrics',
    latency: 'process',
    summary: 'Metrics in the Prometheus text format: request latency, errors, resolve outcomes, batch sizes, and the process',
    tag: 'health',
    guarantees: 'Touches nothing but the process; never cached. Needs no token.',
    errors: [],
  });
  const text = { description: 'The Prometheus text exposition format', content: { [metrics.contentType]: { schema: Type.String() } } };
  app.get(METRICS_PATH, { schema: { ...doc.doc, security: [], response: { 200: text } } }, async (_request, reply) => {
    reply.header('cache-control', 'no-store').type(metrics.contentType);
    return metrics.exposition();
  });
}
