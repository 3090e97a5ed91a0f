"use client";

// recharts needs the browser (ResponsiveContainer measures its parent), so charts are client
// components fed plain serializable rows by server components.
import {
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";

export interface SeriesSpec {
  key: string;
  name: string;
  color: string;
  /** "dash" for bounds (e.g. bid and ask), "points" for observations without a line. */
  style?: "solid" | "dash" | "points";
}

const FORMATS = {
  percent: (v: number) => `${(v * 100).toFixed(1)}%`,
  number: (v: number) => (Math.abs(v) >= 10 ? v.toFixed(0) : v.toFixed(2)),
};

/** Lines over a shared x key (dates, days to expiry, log-moneyness). */
export function Lines({
  data,
  x,
  series,
  xLabel,
  numericX = false,
  yFormat = "percent",
  height,
}: {
  data: Array<Record<string, number | string | null>>;
  x: string;
  series: SeriesSpec[];
  xLabel?: string;
  /** Space x by value (e.g. days to expiry) instead of one slot per row. */
  numericX?: boolean;
  yFormat?: keyof typeof FORMATS;
  height?: number;
}) {
  const fmt = FORMATS[yFormat];
  return (
    <figure className="chart-figure">
      {/* The legend is plain HTML above the plot: recharts' own legend is absolutely positioned
          over the plot and overlapped the axes when it wrapped (narrow smile cards). */}
      <figcaption className="chart-legend">
        {series.map((s) => (
          <span key={s.key} className="chart-legend-item">
            <svg width="18" height="10" aria-hidden="true">
              {s.style === "points" ? (
                <circle cx="9" cy="5" r="3" fill={s.color} />
              ) : (
                <line
                  x1="1"
                  y1="5"
                  x2="17"
                  y2="5"
                  stroke={s.color}
                  strokeWidth={s.style === "dash" ? 1.5 : 2.5}
                  strokeDasharray={s.style === "dash" ? "4 3" : undefined}
                />
              )}
            </svg>
            {s.name}
          </span>
        ))}
      </figcaption>
      <div className="chart" data-testid="chart" style={height ? { height } : undefined}>
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={data} margin={{ top: 8, right: 16, bottom: 16, left: 8 }}>
            <CartesianGrid stroke="#26313d" strokeDasharray="3 3" />
            <XAxis
              dataKey={x}
              type={numericX ? "number" : "category"}
              domain={numericX ? ["dataMin", "dataMax"] : undefined}
              tickFormatter={numericX ? (v: number) => String(Number(v.toFixed(2))) : undefined}
              stroke="#8b98a5"
              fontSize={12}
              label={
                xLabel
                  ? { value: xLabel, position: "insideBottom", offset: -8, fill: "#8b98a5" }
                  : undefined
              }
            />
            <YAxis stroke="#8b98a5" fontSize={12} tickFormatter={fmt} domain={["auto", "auto"]} />
            <Tooltip
              formatter={(v) => (typeof v === "number" ? fmt(v) : String(v))}
              contentStyle={{ background: "#161d25", border: "1px solid #26313d" }}
            />
            {series.map((s) => (
              <Line
                key={s.key}
                type="monotone"
                dataKey={s.key}
                name={s.name}
                stroke={s.style === "points" ? "none" : s.color}
                strokeDasharray={s.style === "dash" ? "4 3" : undefined}
                dot={
                  s.style === "points"
                    ? { r: 2.5, fill: s.color, stroke: s.color }
                    : data.length < 60
                }
                strokeWidth={s.style === "dash" ? 1 : 2}
                connectNulls
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
