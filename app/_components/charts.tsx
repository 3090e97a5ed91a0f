"use client";

// recharts needs the browser (ResponsiveContainer measures its parent), so charts are client
// components fed plain serializable rows by server components.
import {
  CartesianGrid,
  Legend,
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
}

const fmtPct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** Percent-valued lines over a shared x key (dates or days-to-expiry). */
export function PercentLines({
  data,
  x,
  series,
  xLabel,
  numericX = false,
}: {
  data: Array<Record<string, number | string | null>>;
  x: string;
  series: SeriesSpec[];
  xLabel?: string;
  /** Space x by value (e.g. days to expiry) instead of one slot per row. */
  numericX?: boolean;
}) {
  return (
    <div className="chart" data-testid="chart">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 8, right: 16, bottom: 16, left: 8 }}>
          <CartesianGrid stroke="#26313d" strokeDasharray="3 3" />
          <XAxis
            dataKey={x}
            type={numericX ? "number" : "category"}
            domain={numericX ? [0, "dataMax"] : undefined}
            stroke="#8b98a5"
            fontSize={12}
            label={
              xLabel
                ? { value: xLabel, position: "insideBottom", offset: -8, fill: "#8b98a5" }
                : undefined
            }
          />
          <YAxis stroke="#8b98a5" fontSize={12} tickFormatter={fmtPct} domain={["auto", "auto"]} />
          <Tooltip
            formatter={(v) => (typeof v === "number" ? fmtPct(v) : String(v))}
            contentStyle={{ background: "#161d25", border: "1px solid #26313d" }}
          />
          <Legend verticalAlign="top" height={28} />
          {series.map((s) => (
            <Line
              key={s.key}
              type="monotone"
              dataKey={s.key}
              name={s.name}
              stroke={s.color}
              dot={data.length < 60}
              strokeWidth={2}
              connectNulls
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
