import { formatFloat, shownIndex } from "../format";
import type { Histogram } from "../stats";

const W = 560;
const H = 180;
const PAD = { left: 52, right: 28, top: 10, bottom: 28 };
const plotW = W - PAD.left - PAD.right;
const plotH = H - PAD.top - PAD.bottom;

/** Contributors per chunk as bars, with the minimum cohort K as a dashed line; chunks below K are marked. */
export function ChunkBars({
  contributors,
  minCohort,
  max,
}: {
  contributors: number[];
  minCohort: number;
  max: number;
}) {
  const top = Math.max(max, minCohort, 1);
  const n = contributors.length;
  const slot = plotW / Math.max(n, 1);
  const gap = n > 60 ? 0 : Math.min(4, slot * 0.2);
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const below = contributors.filter((c) => c < minCohort).length;
  const label =
    `Contributors per chunk for ${n} chunks: minimum ${Math.min(...contributors)}, maximum ${Math.max(...contributors)}; ` +
    `${below} chunk(s) below the minimum cohort of ${minCohort}.`;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={label} className="chart">
      <line className="chart-axis" x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} />
      {[0, top].map((v) => (
        <text key={v} x={PAD.left - 6} y={y(v) + 4} textAnchor="end">
          {v}
        </text>
      ))}
      {contributors.map((c, i) => (
        <rect
          key={i}
          className={c < minCohort ? "chart-bar below" : "chart-bar"}
          x={PAD.left + i * slot + gap / 2}
          y={y(c)}
          width={Math.max(slot - gap, 0.5)}
          height={y(0) - y(c)}
        >
          <title>{`chunk ${shownIndex(i)}: ${c} contributor(s)`}</title>
        </rect>
      ))}
      <line className="chart-threshold" x1={PAD.left} x2={W - PAD.right} y1={y(minCohort)} y2={y(minCohort)} />
      {/* Above the line, or below it when K is the top of the scale (above would be cut off). */}
      <text x={W - PAD.right} y={y(minCohort) < PAD.top + 12 ? y(minCohort) + 13 : y(minCohort) - 4} textAnchor="end">
        K = {minCohort}
      </text>
      <text x={PAD.left + plotW / 2} y={H - 6} textAnchor="middle">
        chunk (1 – {n})
      </text>
    </svg>
  );
}

/** A histogram as bars with the range on the x axis. */
export function HistogramChart({ hist, label }: { hist: Histogram; label: string }) {
  const top = Math.max(...hist.counts, 1);
  const n = hist.counts.length;
  const slot = plotW / n;
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const lo = hist.edges[0];
  const hi = hist.edges[n];
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={label} className="chart">
      <line className="chart-axis" x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} />
      <text x={PAD.left - 6} y={y(top) + 4} textAnchor="end">
        {top}
      </text>
      <text x={PAD.left - 6} y={y(0) + 4} textAnchor="end">
        0
      </text>
      {hist.counts.map((c, i) => (
        <rect
          key={i}
          className="chart-bar"
          x={PAD.left + i * slot + 0.5}
          y={y(c)}
          width={Math.max(slot - 1, 0.5)}
          height={y(0) - y(c)}
        >
          <title>{`[${formatFloat(hist.edges[i])}, ${formatFloat(hist.edges[i + 1])}): ${c}`}</title>
        </rect>
      ))}
      <text x={PAD.left} y={H - 6} textAnchor="start">
        {formatFloat(lo)}
      </text>
      <text x={W - PAD.right} y={H - 6} textAnchor="end">
        {formatFloat(hi)}
      </text>
    </svg>
  );
}

/** A line through (x, y) points, y in [yMin, yMax], with labelled ends of both axes. */
export function LineChart({
  points,
  yMin,
  yMax,
  label,
  xLabel,
  format = formatFloat,
}: {
  points: { x: number; y: number }[];
  yMin: number;
  yMax: number;
  label: string;
  xLabel: string;
  format?: (v: number) => string;
}) {
  const xs = points.map((p) => p.x);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const sx = (x: number) => PAD.left + (x1 === x0 ? plotW / 2 : ((x - x0) / (x1 - x0)) * plotW);
  const sy = (v: number) => PAD.top + plotH - ((v - yMin) / (yMax - yMin || 1)) * plotH;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={label} className="chart">
      <line className="chart-axis" x1={PAD.left} x2={W - PAD.right} y1={sy(yMin)} y2={sy(yMin)} />
      <line className="chart-axis" x1={PAD.left} x2={PAD.left} y1={sy(yMin)} y2={sy(yMax)} />
      <text x={PAD.left - 6} y={sy(yMax) + 4} textAnchor="end">
        {format(yMax)}
      </text>
      <text x={PAD.left - 6} y={sy(yMin) + 4} textAnchor="end">
        {format(yMin)}
      </text>
      <polyline className="chart-line" points={points.map((p) => `${sx(p.x)},${sy(p.y)}`).join(" ")} />
      {points.map((p) => (
        <circle key={p.x} cx={sx(p.x)} cy={sy(p.y)} r={3.5} className="chart-bar">
          <title>{`${xLabel} ${p.x}: ${format(p.y)}`}</title>
        </circle>
      ))}
      {[...new Set([x0, x1])].map((x) => (
        <text key={x} x={sx(x)} y={H - 6} textAnchor="middle">
          {xLabel} {x}
        </text>
      ))}
    </svg>
  );
}
