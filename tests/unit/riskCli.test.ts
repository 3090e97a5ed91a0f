// `vigil var` and `vigil backtest` as a user runs them, on the bundled price files.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { kupiec } from "../../lib/quant/backtests";

const vigil = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/vigil.mjs", ...args], { encoding: "utf8" });

describe("vigil var", () => {
  it("uses the data up to and including --at", () => {
    const r = vigil(
      "var",
      "--prices",
      "data/btc_usd_daily_2015-2026.csv",
      "--method",
      "hs",
      "--at",
      "2015-12-31",
      "--json",
    );
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    // 2015 has 365 days → 364 one-day returns, all of them
    expect(out).toMatchObject({ method: "hs", level: 0.99, horizon: 1, n: 364, to: "2015-12-31" });
    expect(out.es).toBeGreaterThan(out.var);
  });
  it("simulates multi-day GARCH losses reproducibly with a seed", () => {
    const args = [
      "var",
      "--prices",
      "data/eth_usd_daily_open_2017-2025.csv",
      "--method",
      "garch-t",
      "--horizon",
      "5",
      "--seed",
      "3",
      "--json",
    ];
    const a = JSON.parse(vigil(...args).stdout);
    const b = JSON.parse(vigil(...args).stdout);
    expect(a.var).toBe(b.var);
    expect(a.params.paths).toBe(100000);
    expect(a.horizon).toBe(5);
  });
  it("names the bad flag and exits 2", () => {
    const cases: [string[], RegExp][] = [
      [["var"], /--prices <csv> is required/],
      [
        ["var", "--prices", "data/btc_usd_daily_2015-2026.csv", "--method", "magic"],
        /--method: 'magic' is not one of hs, ewma, garch-t, fhs, evt/,
      ],
      [
        ["var", "--prices", "data/btc_usd_daily_2015-2026.csv", "--level", "99"],
        /--level: '99' is not a level in \(0, 1\)/,
      ],
      [
        ["var", "--prices", "data/btc_usd_daily_2015-2026.csv", "--horizon", "1.5"],
        /--horizon: '1.5'/,
      ],
      [
        ["var", "--prices", "data/btc_usd_daily_2015-2026.csv", "--at", "March"],
        /--at: 'March' is not a date/,
      ],
      [
        ["backtest", "--prices", "data/btc_usd_daily_2015-2026.csv", "--window", "10"],
        /--window: '10'/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = vigil(...args);
      expect(r.stderr, args.join(" ")).toMatch(message);
      expect(r.status, args.join(" ")).toBe(2);
    }
  });
  it("exits 1 with the reason for an unreadable file", () => {
    const r = vigil("var", "--prices", "no/such.csv");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ENOENT/);
  });
});

describe("vigil backtest", () => {
  it("reports exceptions consistent with the Kupiec statistic it prints", () => {
    const r = vigil(
      "backtest",
      "--prices",
      "data/btc_usd_daily_2015-2026.csv",
      "--method",
      "hs",
      "--window",
      "250",
      "--from",
      "2020-01-01",
      "--to",
      "2020-12-31",
      "--json",
    );
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ days: 366, testedFrom: "2020-01-01", testedTo: "2020-12-31" });
    expect(out.exceptionDates).toHaveLength(out.exceptions);
    expect(out.exceptionDates).toContain("2020-03-12"); // the COVID crash day (−46 % in two days)
    expect(out.kupiec.lr).toBeCloseTo(kupiec(out.exceptions, 366, 0.01).lr, 12);
    expect(["green", "yellow", "red"]).toContain(out.trafficLight.zone);
    expect(out.series).toBeUndefined();
  });
});
