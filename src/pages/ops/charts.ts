/**
 * The coming peaks as inline SVG bar charts (no script, no style attribute: the page's
 * CSP allows its stylesheet only). Each bar has a <title> (its time and count) and the
 * chart an accessible name that says where the peak is.
 */
import type { PeakBar } from '../../domain/opsFigures';
import { html, type Html } from './html';

const WIDTH = 600;
const HEIGHT = 120;

export function barChart(bars: readonly PeakBar[], label: (start: Date) => string, name: string): Html {
  const max = Math.max(0, ...bars.map((b) => b.count));
  const peak = bars.find((b) => b.count === max && max > 0);
  const slot = WIDTH / bars.length;
  const width = Math.max(1, slot - 1);
  const rects = bars.map((b, i) => {
    const h = max === 0 ? 0 : Math.max(b.count > 0 ? 1 : 0, Math.round((b.count / max) * (HEIGHT - 4)));
    return html`<rect
      class="bar"
      x="${(i * slot).toFixed(1)}"
      y="${HEIGHT - h}"
      width="${width.toFixed(1)}"
      height="${h}"
      ><title>${label(b.start)}: ${b.count}</title></rect
    >`;
  });
  const summary = peak ? `${name}: most in ${label(peak.start)}, ${max}` : `${name}: nothing due`;
  return html`<svg
      class="chart"
      viewBox="0 0 ${WIDTH} ${HEIGHT}"
      preserveAspectRatio="none"
      role="img"
      aria-label="${summary}"
    >
      ${rects}
      <line class="axis" x1="0" y1="${HEIGHT}" x2="${WIDTH}" y2="${HEIGHT}"></line>
    </svg>
    <p class="chart-axis">
      <span>${label(bars[0]!.start)}</span><span>${label(bars[bars.length - 1]!.start)}</span>
    </p>
    <p class="chart-note">${summary}</p>`;
}
