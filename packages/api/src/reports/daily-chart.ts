import type { DailyReport, ReportScope } from '@cc/services';

/** The words a chart is drawn with: English for the API, the page's language in the console. */
export interface ChartWords {
  heading: (scope: ReportScope, from: string, to: string) => string;
  dayBoundaries: (timeZone: string) => string;
  casesPanel: string;
  backlogPanel: string;
  breachesPanel: string;
  /** A case origin (agent, web, sms...) in the legend and tooltips. */
  channel: (origin: string) => string;
  /** A breach kind (response, resolution) in the legend and tooltips. */
  breaches: (kind: string) => string;
  backlog: string;
}

export const englishChartWords: ChartWords = {
  heading: (scope, from, to) =>
    'Cases per day by channel, backlog and breaches: ' +
    `${scope.managerId ? `manager ${scope.managerId}` : `branch ${scope.branchId}`}, ${from} to ${to}`,
  dayBoundaries: (timeZone) => `Day boundaries in ${timeZone}. Generated from the report aggregates.`,
  casesPanel: 'Cases opened per day, by channel',
  backlogPanel: 'Open backlog at the end of the day',
  breachesPanel: 'Deadline breaches per day, by kind',
  channel: (origin) => origin,
  breaches: (kind) => `${kind} breaches`,
  backlog: 'backlog',
};

/**
 * The daily report as a picture, drawn on the server: plain SVG (no script, no external reference), so it shows
 * without JavaScript and can be embedded with <img> in any page. Three panels share the day axis: cases opened per
 * day by channel (stacked bars), the open backlog at each day's end (line), breaches per day by kind (bars).
 * Every mark carries its figures as data-* attributes and a <title> (a tooltip and what a screen reader reads).
 */
const WIDTH = 960;
const LEFT = 64;
const RIGHT = 170;
const PANEL_HEIGHT = 150;
const GAP = 56;
const TOP = 56;
const palette = ['#1b6ca8', '#e07a1f', '#2e8b57', '#b03a48', '#7b5ea7', '#8c6d31', '#3d8ea3', '#c4487a'];

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

/** A rounded-up axis maximum and its tick values (0 and four more). */
function ticksFor(max: number): number[] {
  const top = Math.max(4, Math.ceil(max / 4) * 4);
  return [0, 1, 2, 3, 4].map((i) => (top * i) / 4);
}

interface Panel {
  title: string;
  top: number;
  ticks: number[];
}

function axes(panel: Panel, plotWidth: number): string {
  const max = panel.ticks.at(-1)!;
  const y = (v: number) => panel.top + PANEL_HEIGHT - (v / max) * PANEL_HEIGHT;
  const grid = panel.ticks
    .map(
      (v) =>
        `<line x1="${LEFT}" x2="${LEFT + plotWidth}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>` +
        `<text x="${LEFT - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${v}</text>`,
    )
    .join('');
  return (
    `<text x="${LEFT}" y="${panel.top - 10}" font-size="13" font-weight="bold">${escape(panel.title)}</text>` +
    grid +
    `<line x1="${LEFT}" x2="${LEFT}" y1="${panel.top}" y2="${panel.top + PANEL_HEIGHT}" stroke="#333"/>`
  );
}

function legend(entries: { label: string; color: string }[], top: number): string {
  return entries
    .map(
      (e, i) =>
        `<rect x="${WIDTH - RIGHT + 16}" y="${top + i * 18}" width="12" height="12" fill="${e.color}"/>` +
        `<text x="${WIDTH - RIGHT + 34}" y="${top + i * 18 + 10}" font-size="12">${escape(e.label)}</text>`,
    )
    .join('');
}

export function renderDailyChart(report: DailyReport, words: ChartWords = englishChartWords): string {
  const days = report.days;
  const plotWidth = WIDTH - LEFT - RIGHT;
  const slot = plotWidth / Math.max(1, days.length);
  const barWidth = Math.max(2, slot * 0.7);
  const x = (i: number) => LEFT + i * slot + (slot - barWidth) / 2;
  const channels = [...new Set(days.flatMap((d) => Object.keys(d.casesOpened.byChannel)))].sort();
  const colorOf = (i: number) => palette[i % palette.length]!;
  const kinds = [...new Set(days.flatMap((d) => Object.keys(d.breaches)))];
  const heading = words.heading(report.scope, report.from, report.to);
  const height = TOP + 3 * PANEL_HEIGHT + 2 * GAP + 48;

  // 1. cases opened per day, stacked by channel
  const cases: Panel = {
    title: words.casesPanel,
    top: TOP,
    ticks: ticksFor(Math.max(0, ...days.map((d) => d.casesOpened.total))),
  };
  const caseScale = PANEL_HEIGHT / cases.ticks.at(-1)!;
  const caseBars = days
    .map((d, i) => {
      let base = cases.top + PANEL_HEIGHT;
      return channels
        .map((channel, c) => {
          const count = d.casesOpened.byChannel[channel] ?? 0;
          if (count === 0) return '';
          base -= count * caseScale;
          return (
            `<rect x="${x(i).toFixed(1)}" y="${base.toFixed(1)}" width="${barWidth.toFixed(1)}" ` +
            `height="${(count * caseScale).toFixed(1)}" fill="${colorOf(c)}" data-day="${d.date}" ` +
            `data-channel="${escape(channel)}" data-count="${count}">` +
            `<title>${d.date} ${escape(words.channel(channel))}: ${count}</title></rect>`
          );
        })
        .join('');
    })
    .join('');

  // 2. backlog at the end of each day
  const backlog: Panel = {
    title: words.backlogPanel,
    top: TOP + PANEL_HEIGHT + GAP,
    ticks: ticksFor(Math.max(0, ...days.map((d) => d.backlog))),
  };
  const backlogY = (v: number) => backlog.top + PANEL_HEIGHT - (v / backlog.ticks.at(-1)!) * PANEL_HEIGHT;
  const centre = (i: number) => LEFT + i * slot + slot / 2;
  const line =
    `<polyline fill="none" stroke="#1b6ca8" stroke-width="2" points="` +
    days.map((d, i) => `${centre(i).toFixed(1)},${backlogY(d.backlog).toFixed(1)}`).join(' ') +
    `"/>` +
    days
      .map(
        (d, i) =>
          `<circle cx="${centre(i).toFixed(1)}" cy="${backlogY(d.backlog).toFixed(1)}" r="3" fill="#1b6ca8" ` +
          `data-day="${d.date}" data-backlog="${d.backlog}">` +
          `<title>${d.date} ${escape(words.backlog)}: ${d.backlog}</title></circle>`,
      )
      .join('');

  // 3. breaches per day, stacked by kind
  const breach: Panel = {
    title: words.breachesPanel,
    top: TOP + 2 * (PANEL_HEIGHT + GAP),
    ticks: ticksFor(Math.max(0, ...days.map((d) => Object.values(d.breaches).reduce((a, b) => a + b, 0)))),
  };
  const breachScale = PANEL_HEIGHT / breach.ticks.at(-1)!;
  const breachColors = ['#b03a48', '#e07a1f', '#7b5ea7', '#8c6d31'];
  const breachBars = days
    .map((d, i) => {
      let base = breach.top + PANEL_HEIGHT;
      return kinds
        .map((kind, k) => {
          const count = d.breaches[kind] ?? 0;
          if (count === 0) return '';
          base -= count * breachScale;
          return (
            `<rect x="${x(i).toFixed(1)}" y="${base.toFixed(1)}" width="${barWidth.toFixed(1)}" ` +
            `height="${(count * breachScale).toFixed(1)}" fill="${breachColors[k % breachColors.length]}" ` +
            `data-day="${d.date}" data-breach="${escape(kind)}" data-count="${count}">` +
            `<title>${d.date} ${escape(words.breaches(kind))}: ${count}</title></rect>`
          );
        })
        .join('');
    })
    .join('');

  // Day labels under the last panel: at most ~12 of them.
  const every = Math.max(1, Math.ceil(days.length / 12));
  const labels = days
    .map((d, i) =>
      i % every === 0
        ? `<text x="${centre(i).toFixed(1)}" y="${breach.top + PANEL_HEIGHT + 16}" font-size="11" ` +
          `text-anchor="middle">${d.date.slice(5)}</text>`
        : '',
    )
    .join('');

  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" ` +
    `viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="chart-title" ` +
    `font-family="'Noto Sans CJK SC','Microsoft YaHei',Arial,sans-serif">` +
    `<title id="chart-title">${escape(heading)}</title>` +
    `<desc>${escape(words.dayBoundaries(report.scope.timeZone))}</desc>` +
    `<rect width="100%" height="100%" fill="#fff"/>` +
    `<text x="${LEFT}" y="24" font-size="15" font-weight="bold">${escape(heading)}</text>` +
    axes(cases, plotWidth) +
    caseBars +
    legend(
      channels.map((c, i) => ({ label: words.channel(c), color: colorOf(i) })),
      cases.top,
    ) +
    axes(backlog, plotWidth) +
    line +
    axes(breach, plotWidth) +
    breachBars +
    legend(
      kinds.map((k, i) => ({ label: words.breaches(k), color: breachColors[i % breachColors.length]! })),
      breach.top,
    ) +
    labels +
    `</svg>`
  );
}
