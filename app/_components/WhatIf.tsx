"use client";

// A reviewer's what-if: change a policy's knobs and see the target, the guardrail outcome and the
// policy backtest (GET /api/v1/markets/{market}/what-if, computed by the pipeline's functions).
import { useState } from "react";
import useSWR from "swr";
import type { WhatIfDefaults, WhatIfResponse } from "@/lib/api/whatIf";
import { pct } from "@/lib/format";
import { Lines } from "./charts";

const fetcher = async (url: string): Promise<WhatIfResponse> => {
  const r = await fetch(url);
  const body = await r.json();
  if (!r.ok) throw new Error(body.detail ?? `HTTP ${r.status}`);
  return body as WhatIfResponse;
};

export function WhatIf({
  market,
  parameters,
  initial,
  referencePositionUsd,
  methods,
}: {
  market: string;
  /** The risk methods an ES policy may use (passed in: the engine stays out of the bundle). */
  methods: readonly string[];
  parameters: WhatIfDefaults[];
  initial?: string;
  referencePositionUsd: number;
}) {
  const [name, setName] = useState(initial ?? parameters[0].parameter);
  const defaults = parameters.find((p) => p.parameter === name) ?? parameters[0];
  const [knobs, setKnobs] = useState<Record<string, Record<string, string>>>({});
  const k = {
    method: defaults.method ?? "",
    level: String(defaults.level),
    horizonDays: defaults.horizonDays === undefined ? "" : String(defaults.horizonDays),
    referencePositionUsd: String(referencePositionUsd),
    ...knobs[name],
  };
  const set = (key: string, value: string) =>
    setKnobs((all) => ({ ...all, [name]: { ...all[name], [key]: value } }));
  const query = new URLSearchParams({ parameter: name });
  for (const [key, v] of Object.entries(k)) if (v !== "") query.set(key, v);
  const url = `/api/v1/markets/${encodeURIComponent(market)}/what-if?${query}`;
  const { data, error, isLoading } = useSWR(url, fetcher, { keepPreviousData: true });
  const shortfalls = new Set(data?.backtest.shortfalls ?? []);
  return (
    <div className="card" data-testid="what-if">
      <div className="what-if-knobs">
        <label>
          parameter
          <select
            data-testid="what-if-parameter"
            value={name}
            onChange={(e) => setName(e.target.value)}
          >
            {parameters.map((p) => (
              <option key={p.parameter} value={p.parameter}>
                {p.parameter}
              </option>
            ))}
          </select>
        </label>
        {defaults.method !== undefined && (
          <label>
            method
            <select
              data-testid="what-if-method"
              value={k.method}
              onChange={(e) => set("method", e.target.value)}
            >
              {methods.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          level
          <input
            data-testid="what-if-level"
            inputMode="decimal"
            value={k.level}
            onChange={(e) => set("level", e.target.value)}
          />
        </label>
        {defaults.horizonDays !== undefined && (
          <label>
            horizon (days)
            <input
              data-testid="what-if-horizon"
              inputMode="numeric"
              value={k.horizonDays}
              onChange={(e) => set("horizonDays", e.target.value)}
            />
          </label>
        )}
        <label>
          reference position (USD)
          <input
            data-testid="what-if-position"
            inputMode="numeric"
            value={k.referencePositionUsd}
            onChange={(e) => set("referencePositionUsd", e.target.value)}
          />
        </label>
      </div>
      {error && (
        <p className="error" data-testid="what-if-error">
          {error.message}
        </p>
      )}
      {isLoading && !data && <p className="muted">Replaying the policy…</p>}
      {data && (
        <>
          <table>
            <tbody>
              <tr>
                <th>target on {data.asOf}</th>
                <td className="num" data-testid="what-if-target">
                  {pct(data.target, 3)}
                </td>
                <td className="mono">{data.formula}</td>
              </tr>
              <tr>
                <th>guardrails (current {pct(data.current, 3)})</th>
                <td className="num" data-testid="what-if-proposed">
                  {data.guardrail.proposed === null ? "no change" : pct(data.guardrail.proposed, 3)}
                </td>
                <td>{data.guardrail.reason}</td>
              </tr>
              <tr>
                <th>backtest shortfall rate</th>
                <td className="num" data-testid="what-if-shortfall-rate">
                  {pct(data.backtest.shortfallRate)}
                </td>
                <td>
                  {data.backtest.shortfalls.length} of {data.backtest.days} days (
                  {data.backtest.from} to {data.backtest.to}), {data.backtest.guardrailBindings}{" "}
                  days on which the guardrails held the value back from the target
                </td>
              </tr>
              <tr>
                <th>liquidity add-on</th>
                <td className="num">{pct(data.liquidity.value, 3)}</td>
                <td>{data.liquidity.detail}</td>
              </tr>
            </tbody>
          </table>
          <div data-testid="policy-backtest-chart">
            <Lines
              data={data.backtest.series.map((s) => ({
                date: s.date,
                target: s.target,
                value: s.value,
                shortfall: shortfalls.has(s.date) ? s.value : null,
              }))}
              x="date"
              series={[
                { key: "target", name: "policy target", color: "#5cc8ff", style: "dash" },
                { key: "value", name: "value in force", color: "#3fb950" },
                { key: "shortfall", name: "shortfall", color: "#f85149", style: "points" },
              ]}
            />
          </div>
        </>
      )}
    </div>
  );
}
