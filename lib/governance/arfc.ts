// An ARFC ("Aave Request for Final Comment") in the layout Aave's risk providers post on the
// governance forum: title, author and date, Summary, Motivation, Specification table, References,
// Disclaimer, Copyright. Rendered from the stored evidence only, so it can be re-rendered later.
import { pct, pp, riskMethodName } from "../format";

export interface ArfcInput {
  proposalId: number;
  status: string;
  market: string;
  createdAt: Date;
  baseUrl: string;
  rationale: string;
  changes: {
    name: string;
    currentValue: number;
    proposedValue: number;
    targetValue: number;
    capped: boolean;
  }[];
  risk: { method: string; level: number; horizonDays: number; var: number; es: number }[];
  backtests: {
    method: string;
    level: number;
    zone: string;
    exceptions: number;
    expected: number;
    kupiecPValue: number;
  }[];
  surface: {
    rmseVolPts: number | null;
    insideSpreadShare: number | null;
    butterflyViolations: number | null;
    calendarViolations: number | null;
  } | null;
  quality: { usable: number; total: number; dataAgeHours: number; warnings: string[] } | null;
  run: {
    id: number;
    configHash: string;
    inputHash: string | null;
    codeVersion: string;
    asOf: Date;
  };
  payloadHash: string;
  reviews: { reviewer: string; decision: string; issuedAt: Date }[];
}

const date = (d: Date) => d.toISOString().slice(0, 10);
const fmt = (x: number | null | undefined, digits = 2) =>
  x === null || x === undefined || !Number.isFinite(x) ? "n/a" : x.toFixed(digits);

export function arfcMarkdown(a: ArfcInput): string {
  const names = a.changes.map((c) => c.name).join(", ");
  const lines: string[] = [];
  lines.push(`# [ARFC] Vigil risk parameter update: ${names} on ${a.market}`);
  lines.push("");
  lines.push(`**Author:** Vigil (automated risk calibration, proposal #${a.proposalId})  `);
  lines.push(`**Date:** ${date(a.createdAt)}  `);
  lines.push(`**Status:** ${a.status}`);
  lines.push("");
  lines.push("## Summary");
  lines.push("");
  lines.push(
    `Vigil recommends ${a.changes
      .map(
        (c) =>
          `changing ${c.name} on ${a.market} from ${pct(c.currentValue)} to ${pct(c.proposedValue)} (${pp(c.proposedValue - c.currentValue)})`,
      )
      .join("; ")}, based on the run of ${a.run.asOf.toISOString()}.`,
  );
  lines.push("");
  lines.push("## Motivation");
  lines.push("");
  lines.push(a.rationale);
  lines.push("");
  if (a.risk.length) {
    lines.push("### Value-at-Risk and Expected Shortfall by method");
    lines.push("");
    lines.push("| Method | Level | Horizon (days) | VaR | ES |");
    lines.push("|---|---|---|---|---|");
    for (const r of a.risk)
      lines.push(
        `| ${riskMethodName(r.method)} | ${pct(r.level, 1)} | ${r.horizonDays} | ${pct(r.var)} | ${pct(r.es)} |`,
      );
    lines.push("");
  }
  if (a.backtests.length) {
    lines.push("### Backtests (rolling, one-day)");
    lines.push("");
    lines.push("| Method | Level | Zone | Exceptions | Expected | Kupiec p |");
    lines.push("|---|---|---|---|---|---|");
    for (const b of a.backtests)
      lines.push(
        `| ${riskMethodName(b.method)} | ${pct(b.level, 1)} | ${b.zone} | ${b.exceptions} | ${fmt(b.expected, 1)} | ${fmt(b.kupiecPValue, 3)} |`,
      );
    lines.push("");
  }
  if (a.surface) {
    lines.push("### Volatility surface fit");
    lines.push("");
    lines.push(
      `Published surface: RMSE ${fmt(a.surface.rmseVolPts)} vol points, ` +
        `${a.surface.insideSpreadShare === null ? "n/a" : pct(a.surface.insideSpreadShare, 1)} of fitted vols inside the bid-ask band, ` +
        `${a.surface.butterflyViolations ?? "n/a"} butterfly and ${a.surface.calendarViolations ?? "n/a"} calendar arbitrage violations.`,
    );
    lines.push("");
  }
  if (a.quality) {
    lines.push("### Data quality");
    lines.push("");
    lines.push(
      `${a.quality.usable} of ${a.quality.total} quotes usable after cleaning; data ${fmt(a.quality.dataAgeHours, 1)} h old at the run.` +
        (a.quality.warnings.length ? ` Warnings: ${a.quality.warnings.join("; ")}.` : ""),
    );
    lines.push("");
  }
  const capped = a.changes.filter((c) => c.capped);
  if (capped.length) {
    lines.push("### Guardrails");
    lines.push("");
    for (const c of capped)
      lines.push(
        `- ${c.name}: the policy target is ${pct(c.targetValue)}; the guardrails allow ${pct(c.proposedValue)} in this update. Later runs can continue toward the target.`,
      );
    lines.push("");
  }
  lines.push("## Specification");
  lines.push("");
  lines.push("| Market | Parameter | Current | Recommended |");
  lines.push("|---|---|---|---|");
  for (const c of a.changes)
    lines.push(`| ${a.market} | ${c.name} | ${pct(c.currentValue)} | ${pct(c.proposedValue)} |`);
  lines.push("");
  lines.push(`Payload hash (SHA-256 of the canonical payload): \`${a.payloadHash}\``);
  lines.push("");
  if (a.reviews.length) {
    lines.push("### Committee reviews (EIP-712 signed)");
    lines.push("");
    for (const r of a.reviews)
      lines.push(`- ${r.reviewer}: ${r.decision} (${r.issuedAt.toISOString()})`);
    lines.push("");
  }
  const u = a.baseUrl.replace(/\/$/, "");
  lines.push("## References");
  lines.push("");
  lines.push(`- Proposal: [${u}/proposals/${a.proposalId}](${u}/proposals/${a.proposalId})`);
  lines.push(
    `- Canonical payload: [${u}/api/v1/proposals/${a.proposalId}/payload](${u}/api/v1/proposals/${a.proposalId}/payload)`,
  );
  lines.push(`- Run #${a.run.id}: [${u}/runs/${a.run.id}](${u}/runs/${a.run.id})`);
  lines.push(`- Config hash: \`${a.run.configHash}\``);
  lines.push(`- Input hash: \`${a.run.inputHash ?? "n/a"}\``);
  lines.push(`- Code version: \`${a.run.codeVersion}\``);
  lines.push(
    `- Methodology: [${u}/markets/${encodeURIComponent(a.market)}](${u}/markets/${encodeURIComponent(a.market)})`,
  );
  lines.push("");
  lines.push("## Disclaimer");
  lines.push("");
  lines.push(
    "This recommendation was generated by Vigil from public market data and the models documented in its methodology. " +
      "It is not financial advice. Every number can be recomputed from the run, inputs and code version referenced above; " +
      "the committee's signed reviews, not this text, decide the proposal.",
  );
  lines.push("");
  lines.push("## Copyright");
  lines.push("");
  lines.push(
    "Copyright and related rights waived via [CC0](https://creativecommons.org/publicdomain/zero/1.0/).",
  );
  lines.push("");
  return lines.join("\n");
}
