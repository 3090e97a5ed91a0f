// `vigil var` and `vigil backtest` as a user runs them, on the bundled price files.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const golden = JSON.parse(readFileSync("tests/fixtures/golden.json", "utf8"));

/** Dates and closes of the bundled BTC file, read here without the app's CSV reader. */
function btc(): { dates: string[]; prices: number[] } {
  const rows = readFileSync("data/btc_usd_daily_2015-2026.csv", "utf8").trim().split("\n").slice(1);
  const f = rows.map((l) => l.split(","));
  return { dates: f.map((x) => x[0]), prices: f.map((x) => Number(x[1])) };
}

/** Acerbi–Tasche VaR/ES of a loss sample (integer n(1 − α) assumed away: general form). */
function hs(losses: number[], level: number) {
  const d = [...losses].sort((x, y) => y - x);
  const m = d.length * (1 - level);
  const w = Math.floor(m + 1e-9);
  let tail = 0;
  for (let i = 0; i < w; i++) tail += d[i];
  return { var: d[w], es: (tail + (m - w) * d[w]) / m };
}

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
    // Both sides from the CSV, computed here: long loses 1 − P_t/P_{t−1}, short P_t/P_{t−1} − 1.
    const { dates, prices } = btc();
    const end = dates.indexOf("2015-12-31");
    const ratios = prices.slice(1, end + 1).map((p, i) => p / prices[i]);
    const long = hs(
      ratios.map((x) => 1 - x),
      0.99,
    );
    const short = hs(
      ratios.map((x) => x - 1),
      0.99,
    );
    expect(Object.keys(out.sides).sort()).toEqual(["long", "short"]);
    expect(out.sides.long.var).toBeCloseTo(long.var, 12);
    expect(out.sides.long.es).toBeCloseTo(long.es, 12);
    expect(out.sides.short.var).toBeCloseTo(short.var, 12);
    expect(out.sides.short.es).toBeCloseTo(short.es, 12);
    // var/es are the worse side's: the margin-relevant figures
    const worse = long.es >= short.es ? long : short;
    expect(out.es).toBeCloseTo(worse.es, 12);
    expect(out.var).toBeCloseTo(worse.var, 12);
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
  it("counts the exceptions an independent HS computation finds, with Kupiec and the Basel zone", () => {
    // 250 days: 2020-01-01 … 2020-09-06, so the Basel 250-day table applies as published
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
      "2020-09-06",
      "--json",
    );
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ days: 250, testedFrom: "2020-01-01", testedTo: "2020-09-06" });
    expect(out.series).toBeUndefined();
    const { dates, prices } = btc();
    const first = dates.indexOf("2020-01-01");
    const found = { long: [] as string[], short: [] as string[] };
    for (let t = first; t < first + 250; t++) {
      // the 250 one-day price ratios before day t, and day t's own
      const past = Array.from({ length: 250 }, (_, j) => prices[t - 250 + j] / prices[t - 251 + j]);
      const today = prices[t] / prices[t - 1];
      for (const side of ["long", "short"] as const) {
        const loss = (x: number) => (side === "long" ? 1 - x : x - 1);
        // 99 % of 250: the 3rd largest loss
        const v = past.map(loss).sort((a, b) => b - a)[2];
        if (loss(today) > v) found[side].push(dates[t]);
      }
    }
    expect(found.long).toContain("2020-03-12"); // the COVID crash day (−46 % in two days)
    expect(out.sides.long.exceptionDates).toEqual(found.long);
    expect(out.sides.short.exceptionDates).toEqual(found.short);
    for (const side of ["long", "short"] as const) {
      const x = found[side].length;
      // Kupiec (1995): LR = −2 ln[(1 − p)^(T−x) p^x / ((1 − x/T)^(T−x) (x/T)^x)]
      const T = 250;
      const p = 0.01;
      const lr =
        -2 *
        ((T - x) * Math.log(1 - p) +
          x * Math.log(p) -
          (T - x) * Math.log(1 - x / T) -
          (x > 0 ? x * Math.log(x / T) : 0));
      expect(out.sides[side].kupiec.lr).toBeCloseTo(lr, 9);
      const b = golden.basel_traffic_light;
      const zone =
        x <= b.green_max_exceptions ? "green" : x <= b.yellow_max_exceptions ? "yellow" : "red";
      expect(out.sides[side].trafficLight.zone).toBe(zone);
    }
    // the top-level figures are the side with more exceptions
    const worse = found.short.length > found.long.length ? "short" : "long";
    expect(out.side).toBe(worse);
    expect(out.exceptions).toBe(found[worse].length);
  });

  it("shows no traffic light at 97.5 %, where the Basel table does not apply", () => {
    const r = vigil(
      "backtest",
      "--prices",
      "data/btc_usd_daily_2015-2026.csv",
      "--method",
      "ewma",
      "--level",
      "0.975",
      "--from",
      "2021-01-01",
      "--to",
      "2021-03-31",
      "--json",
    );
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.trafficLight).toBeNull();
    expect(out.sides.long.trafficLight).toBeNull();
    expect(out.sides.short.trafficLight).toBeNull();
  });
});
