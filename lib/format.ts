// Number and time formats shared by rationales, pages and the CLI.

/** 0.0734 → "7.34 %" */
export const pct = (x: number | null | undefined, digits = 2): string =>
  x === null || x === undefined || !Number.isFinite(x) ? "—" : `${(x * 100).toFixed(digits)} %`;

/** Signed percentage points: 0.0125 → "+1.25 pp" */
export const pp = (x: number): string => `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(2)} pp`;

export const usd = (x: number | null | undefined): string =>
  x === null || x === undefined
    ? "—"
    : `$${x.toLocaleString("en-US", { maximumFractionDigits: 2 })}`;

/** ISO instant to "2026-03-04 09:33 UTC" */
export function utc(d: Date | string | number | null | undefined): string {
  if (d === null || d === undefined) return "—";
  return new Date(d).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

/** Human age of a duration in hours: "35 min", "5.2 h", "97 days". */
export function age(hours: number): string {
  if (hours < 1) return `${Math.round(hours * 60)} min`;
  if (hours < 48) return `${hours.toFixed(1)} h`;
  return `${Math.round(hours / 24)} days`;
}

const RISK_METHOD_NAMES: Record<string, string> = {
  hs: "historical simulation",
  ewma: "EWMA (RiskMetrics)",
  "garch-t": "GARCH(1,1)-t",
  fhs: "filtered historical simulation",
  evt: "EVT (GPD tail)",
};

/** Plain name of a risk method id. */
export const riskMethodName = (id: string): string => RISK_METHOD_NAMES[id] ?? id;
