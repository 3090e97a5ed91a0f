import { age, pct, usd, utc } from "@/lib/format";
import type { DeribitSnapshot } from "@/lib/market/deribit";
import { QUALITY_REASONS, type DataQualityReport } from "@/lib/market/quality";

/** What a live source adds to a snapshot, as stored in snapshots.extras (none for the replay). */
export type SnapshotExtras = Partial<
  Pick<DeribitSnapshot, "futures" | "perpetual" | "capture" | "normalization">
>;

const minutes = (ms: number) => age(ms / 3_600_000);

/** The data-quality report of one market's snapshot at a run: freshness, drops, coverage. */
export function QualityReport({
  report,
  extras,
  gate,
}: {
  report: DataQualityReport;
  extras: SnapshotExtras | null;
  gate: string[];
}) {
  const reasons = QUALITY_REASONS.filter((r) => report.dropped[r] > 0);
  const perp = extras?.perpetual;
  return (
    <div data-testid="quality">
      <table>
        <tbody>
          <tr>
            <th>data age at the run</th>
            <td>
              {minutes(report.dataAgeMs)} (captured {utc(report.capturedAt)}, limit{" "}
              {minutes(report.thresholds.maxAgeMs)}){" "}
              {report.stale && <span className="badge failed">stale</span>}
            </td>
          </tr>
          <tr>
            <th>quotes</th>
            <td>
              {report.quotes.total} in the book, {report.quotes.usable} usable after cleaning (
              {pct(report.quotes.total ? report.quotes.usable / report.quotes.total : null, 1)}),{" "}
              {report.quotes.dropped} dropped; {report.usableExpiries} of {report.expiries.length}{" "}
              expiries usable
            </td>
          </tr>
          <tr>
            <th>quote timestamps</th>
            <td>
              {report.quoteAge.known === 0
                ? "not given by the source (the capture time applies)"
                : `${report.quoteAge.known} known; median age ${minutes(report.quoteAge.medianMs!)}, oldest ${minutes(report.quoteAge.maxMs!)}`}
            </td>
          </tr>
          <tr>
            <th>index during capture</th>
            <td>
              {report.indexMove
                ? `${usd(report.indexMove.from)} → ${usd(report.indexMove.to)} (${pct(report.indexMove.relative, 3)} in ${(report.indexMove.durationMs / 1000).toFixed(1)} s)`
                : "one observation (recorded snapshot)"}
            </td>
          </tr>
          {perp && (
            <tr>
              <th>perpetual</th>
              <td>
                {perp.instrument} mark {usd(perp.mark)}, funding {pct(perp.currentFunding, 4)} now,{" "}
                {pct(perp.funding8h, 4)} over 8 h; {extras?.futures?.length ?? 0} futures
              </td>
            </tr>
          )}
          {extras?.normalization && extras.normalization.unmatched.length > 0 && (
            <tr>
              <th>unmatched instruments</th>
              <td className="mono">{extras.normalization.unmatched.join(", ")}</td>
            </tr>
          )}
        </tbody>
      </table>
      {(gate.length > 0 || report.warnings.length > 0) && (
        <ul data-testid="quality-warnings">
          {gate.map((g) => (
            <li key={g}>
              <span className="badge degraded">gate</span> {g}
            </li>
          ))}
          {report.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      {reasons.length > 0 && (
        <table data-testid="quality-drops">
          <thead>
            <tr>
              <th>dropped because</th>
              <th className="num">quotes</th>
              <th>for example</th>
            </tr>
          </thead>
          <tbody>
            {reasons.map((r) => (
              <tr key={r}>
                <td>{r}</td>
                <td className="num">{report.dropped[r]}</td>
                <td className="mono">{report.examples[r]?.join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <details>
        <summary className="muted">coverage per expiry</summary>
        <table data-testid="quality-coverage">
          <thead>
            <tr>
              <th>expiry</th>
              <th className="num">days</th>
              <th className="num">forward</th>
              <th className="num">quotes</th>
              <th className="num">usable</th>
            </tr>
          </thead>
          <tbody>
            {report.expiries.map((e) => (
              <tr key={e.expiry}>
                <td>{utc(e.expiry)}</td>
                <td className="num">{e.days.toFixed(1)}</td>
                <td className="num">{usd(e.forward)}</td>
                <td className="num">{e.total}</td>
                <td className="num">
                  {e.usable} ({pct(e.total ? e.usable / e.total : null, 0)})
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </div>
  );
}
