import type { ThroughputRow } from '../scenarios/throughput';

const WIDTH = 640;
const HEIGHT = 360;
const MARGIN = { left: 70, right: 170, top: 40, bottom: 50 };

/** An SVG line chart of requests per second against concurrency (upstream latency 0), service and both floors, per user kind. */
export function throughputChart(rows: readonly ThroughputRow[]): string {
  const zero = rows.filter((row) => row.latencyMs === 0);
  const concurrencies = [...new Set(zero.map((row) => row.connections))].sort((a, b) => a - b);
  const maxRps = Math.max(1, ...zero.flatMap((row) => [row.service.rps, row.floor.rps, row.durable.rps]));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (c: number): number => MARGIN.left + (concurrencies.length < 2 ? plotW / 2 : (concurrencies.indexOf(c) / (concurrencies.length - 1)) * plotW);
  const y = (rps: number): number => MARGIN.top + plotH - (rps / maxRps) * plotH;
  const series = [
    { label: 'floor, returning', color: '#888888', dash: '', pick: (r: ThroughputRow) => (r.users === 'returning' ? r.floor.rps : undefined) },
    { label: 'service, returning', color: '#1f77b4', dash: '', pick: (r: ThroughputRow) => (r.users === 'returning' ? r.service.rps : undefined) },
    { label: 'floor, new users', color: '#888888', dash: '6 4', pick: (r: ThroughputRow) => (r.users === 'new' ? r.floor.rps : undefined) },
    { label: 'service, new users', color: '#d62728', dash: '6 4', pick: (r: ThroughputRow) => (r.users === 'new' ? r.service.rps : undefined) },
    { label: 'durable floor, returning', color: '#2ca02c', dash: '', pick: (r: ThroughputRow) => (r.users === 'returning' ? r.durable.rps : undefined) },
    { label: 'durable floor, new users', color: '#2ca02c', dash: '6 4', pick: (r: ThroughputRow) => (r.users === 'new' ? r.durable.rps : undefined) },
  ];
  const lines = series.map((s, index) => {
    const points = zero
      .map((row) => ({ c: row.connections, rps: s.pick(row) }))
      .filter((p): p is { c: number; rps: number } => p.rps !== undefined)
      .sort((a, b) => a.c - b.c);
    const path = points.map((p) => `${x(p.c).toFixed(1)},${y(p.rps).toFixed(1)}`).join(' ');
    const dots = points.map((p) => `<circle cx="${x(p.c).toFixed(1)}" cy="${y(p.rps).toFixed(1)}" r="3" fill="${s.color}"/>`).join('');
    const legendY = MARGIN.top + 10 + index * 20;
    return (
      `<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}"/>${dots}` +
      `<line x1="${WIDTH - MARGIN.right + 15}" y1="${legendY}" x2="${WIDTH - MARGIN.right + 40}" y2="${legendY}" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}"/>` +
      `<text x="${WIDTH - MARGIN.right + 45}" y="${legendY + 4}" font-size="11">${s.label}</text>`
    );
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => {
    const value = maxRps * t;
    return `<line x1="${MARGIN.left}" y1="${y(value).toFixed(1)}" x2="${MARGIN.left + plotW}" y2="${y(value).toFixed(1)}" stroke="#eeeeee"/>` +
      `<text x="${MARGIN.left - 8}" y="${(y(value) + 4).toFixed(1)}" font-size="11" text-anchor="end">${value.toFixed(0)}</text>`;
  });
  const xTicks = concurrencies.map(
    (c) => `<text x="${x(c).toFixed(1)}" y="${MARGIN.top + plotH + 18}" font-size="11" text-anchor="middle">${c}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${MARGIN.left}" y="22" font-size="14" font-weight="bold">POST /api/chat throughput, upstream latency 0 ms</text>`,
    ...ticks,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top + plotH}" x2="${MARGIN.left + plotW}" y2="${MARGIN.top + plotH}" stroke="#333333"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotH}" stroke="#333333"/>`,
    ...xTicks,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 10}" font-size="12" text-anchor="middle">concurrent connections</text>`,
    `<text x="16" y="${MARGIN.top + plotH / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 16 ${MARGIN.top + plotH / 2})">requests/s</text>`,
    ...lines,
    '</svg>',
    '',
  ].join('\n');
}
