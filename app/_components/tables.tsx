import type { riskMetrics } from "@/db/schema";
import { pct, riskMethodName, usd, utc } from "@/lib/format";

export type RiskRow = Pick<
  typeof riskMetrics.$inferSelect,
  | "id"
  | "method"
  | "level"
  | "horizonDays"
  | "var"
  | "es"
  | "sampleSize"
  | "windowFrom"
  | "windowTo"
>;

/** VaR / ES rows with their method, sample and window: the evidence behind a number. */
export function RiskTable({ rows, testId }: { rows: RiskRow[]; testId: string }) {
  return (
    <table data-testid={testId}>
      <thead>
        <tr>
          <th>method</th>
          <th className="num">level</th>
          <th className="num">horizon</th>
          <th className="num">VaR</th>
          <th className="num">ES</th>
          <th className="num">returns</th>
          <th>window</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((x) => (
          <tr key={x.id}>
            <td>{riskMethodName(x.method)}</td>
            <td className="num">{pct(x.level, 1)}</td>
            <td className="num">{x.horizonDays} d</td>
            <td className="num">{pct(x.var)}</td>
            <td className="num">{pct(x.es)}</td>
            <td className="num">{x.sampleSize}</td>
            <td>
              {x.windowFrom} → {x.windowTo}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export interface SliceRow {
  expiry: Date;
  t: number;
  forward: number;
  atmVol: number | null;
  quotesUsed: number;
}

/** One row per expiry: forward, ATM implied vol and how many quotes the slice rests on. */
export function SlicesTable({ rows, testId }: { rows: SliceRow[]; testId: string }) {
  return (
    <table data-testid={testId}>
      <thead>
        <tr>
          <th>expiry</th>
          <th className="num">days</th>
          <th className="num">forward</th>
          <th className="num">ATM vol</th>
          <th className="num">quotes used</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((s) => (
          <tr key={s.expiry.toISOString()}>
            <td>{utc(s.expiry)}</td>
            <td className="num">{(s.t * 365).toFixed(1)}</td>
            <td className="num">{usd(s.forward)}</td>
            <td className="num">{pct(s.atmVol)}</td>
            <td className="num">{s.quotesUsed}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
