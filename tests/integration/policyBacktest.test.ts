// `vigil policy backtest`: the output's shortfalls are recomputed here from its own series and
// the bundled price and funding files, read independently of the app's loaders.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const vigil = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/vigil.mjs", "policy", "backtest", ...args], {
    encoding: "utf8",
  });

interface Output {
  market: string;
  parameter: string;
  days: number;
  series: { date: string; target: number; value: number }[];
  guardrailBindings: number;
  shortfalls: string[];
  shortfallRate: number;
}

function run(market: string, parameter: string, from: string, to: string): Output {
  const r = vigil(
    "--market",
    market,
    "--parameter",
    parameter,
    "--from",
    from,
    "--to",
    to,
    "--json",
  );
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout) as Output;
  expect(Object.keys(out)).toEqual([
    "market",
    "parameter",
    "days",
    "series",
    "guardrailBindings",
    "shortfalls",
    "shortfallRate",
  ]);
  expect(out.days).toBe(out.series.length);
  expect(out.shortfallRate).toBeCloseTo(out.shortfalls.length / out.days, 15);
  return out;
}

/** Close by date from data/btc_usd_daily_2015-2026.csv (date,price,volume). */
const btcClose = new Map(
  readFileSync("data/btc_usd_daily_2015-2026.csv", "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split(","))
    .map(([d, p]) => [d, Number(p)] as const),
);
const previousDay = (d: string) => new Date(Date.parse(d) - 86_400_000).toISOString().slice(0, 10);
const simpleReturn = (d: string) => btcClose.get(d)! / btcClose.get(previousDay(d))! - 1;

describe("vigil policy backtest", () => {
  it("maintenance margin: a shortfall is exactly a day whose |simple return| exceeded the value in force", () => {
    const out = run("deribit:BTC", "perp.maintenanceMarginFraction", "2025-03-01", "2025-12-31");
    expect(out.series[0].date).toBe("2025-03-01");
    expect(out.series.at(-1)!.date).toBe("2025-12-31");
    const expected = out.series
      .filter((s) => Math.abs(simpleReturn(s.date)) > s.value)
      .map((s) => s.date);
    expect(out.shortfalls).toEqual(expected);
    // Changes are executed at most once per minimum delay (72 h) and each is inside the bounds.
    const changes = out.series.filter((s, i) => i > 0 && s.value !== out.series[i - 1].value);
    for (let i = 1; i < changes.length; i++)
      expect(Date.parse(changes[i].date) - Date.parse(changes[i - 1].date)).toBeGreaterThanOrEqual(
        3 * 86_400_000,
      );
    for (const s of out.series) expect(s.value).toBeGreaterThanOrEqual(0.005);
  }, 60_000);

  it("collateral haircut: a shortfall is a day whose fall exceeded the haircut", () => {
    const out = run("deribit:BTC", "collateral.haircut", "2025-01-01", "2025-12-31");
    const expected = out.series.filter((s) => -simpleReturn(s.date) > s.value).map((s) => s.date);
    expect(out.shortfalls).toEqual(expected);
  }, 60_000);

  it("funding cap: a shortfall is a day with a funding clamped by the cap in force", () => {
    const out = run("deribit:ETH", "perp.fundingRateCap", "2023-01-01", "2023-12-31");
    // Binance's times are written in UTC+03:00 (data/SOURCES.md): 03:00 is 00:00 UTC, same day.
    const byDay = new Map<string, number[]>();
    for (const l of readFileSync("data/funding_binance_8h_ETH-USDT_2020-2023.csv", "utf8")
      .trim()
      .split("\n")
      .slice(1)) {
      const [, date, rate] = l.split(",");
      const utc = new Date(Date.parse(`${date.slice(0, 19)}Z`) - 3 * 3_600_000);
      const day = utc.toISOString().slice(0, 10);
      byDay.set(day, [...(byDay.get(day) ?? []), Number(rate)]);
    }
    expect(out.days).toBe(365);
    const expected = out.series
      .filter((s) => byDay.get(s.date)!.some((f) => Math.abs(f) > s.value))
      .map((s) => s.date);
    expect(out.shortfalls).toEqual(expected);
  }, 60_000);

  it("usage errors exit 2 with a message", () => {
    const bad = vigil("--market", "deribit:BTC", "--parameter", "perp.nope", "--json");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown parameter 'perp.nope'/);
    expect(vigil("--market", "deribit:XRP", "--parameter", "collateral.haircut").status).toBe(2);
    const date = vigil(
      "--market",
      "deribit:BTC",
      "--parameter",
      "collateral.haircut",
      "--from",
      "2025-13-01",
    );
    expect(date.status).toBe(2);
    expect(date.stderr).toMatch(/--from must be an ISO date/);
    const empty = vigil(
      "--market",
      "deribit:BTC",
      "--parameter",
      "collateral.haircut",
      "--from",
      "2030-01-01",
      "--to",
      "2030-02-01",
    );
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/no day between/);
  }, 60_000);
});
