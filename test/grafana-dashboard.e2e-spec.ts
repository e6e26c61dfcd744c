import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { metricFamilies } from './support/prometheus-text';
import { startTestApp } from './support/test-app';

const DASHBOARD = join(__dirname, '..', 'docs', 'grafana', 'chat-backend-dashboard.json');

interface Panel {
  title: string;
  targets?: Array<{ expr: string }>;
}

/** Metric names in a PromQL expression: the dashboard writes every selector as `name{...}`. */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((match) => match[1]);
}

/** A histogram's series are its family name plus one of these. */
const SERIES_SUFFIXES = ['', '_bucket', '_sum', '_count'];

describe('the Grafana dashboard', () => {
  it('queries only metrics the service exports', async () => {
    const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as { panels: Panel[]; templating: { list: Array<{ query?: unknown }> } };
    const app = await startTestApp({ ASSISTANT_API: 'local' });
    try {
      const families = metricFamilies((await request(app.url).get('/api/metrics').expect(200)).text);
      const exprs = [
        ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr)),
        ...dashboard.templating.list.map((variable) => variable.query).filter((query): query is string => typeof query === 'string' && query.includes('{')),
      ];
      const queried = new Set(exprs.flatMap(metricsIn));
      expect(queried.size).toBeGreaterThanOrEqual(8);
      for (const name of queried) {
        const family = SERIES_SUFFIXES.map((suffix) => (suffix !== '' && name.endsWith(suffix) ? name.slice(0, -suffix.length) : name)).find((candidate) => families.has(candidate));
        expect({ name, exported: family !== undefined }).toEqual({ name, exported: true });
      }
      // Every panel of the list is there.
      const titles = dashboard.panels.map((panel) => panel.title.toLowerCase()).join(' | ');
      for (const topic of ['requests per second', 'p50 / p99', 'upstream vs app', 'tokens per minute', 'waiting']) expect(titles).toContain(topic);
    } finally {
      await app.close();
    }
  });
});
