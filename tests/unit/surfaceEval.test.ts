// `vigil calibrate … --eval <csv>`: the published surface evaluated at requested strikes, checked
// against bid/ask implied vols inverted here from the raw CSV prices by an independent Black-76.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "vigil-eval-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const vigil = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/vigil.mjs", ...args], { encoding: "utf8" });

/** Φ by the Abramowitz & Stegun 26.2.17 rational approximation (|error| < 7.5e-8). */
function phi(x: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(x));
  const poly =
    t *
    (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  const tail = (Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI)) * poly;
  return x >= 0 ? 1 - tail : tail;
}

/** Black-76 (rate 0) and its implied vol by bisection: written here, not the app's. */
function black(f: number, k: number, t: number, v: number, call: boolean): number {
  const s = v * Math.sqrt(t);
  const d1 = Math.log(f / k) / s + s / 2;
  return call ? f * phi(d1) - k * phi(d1 - s) : k * phi(s - d1) - f * phi(-d1);
}
function iv(price: number, f: number, k: number, t: number, call: boolean): number {
  let lo = 1e-4;
  let hi = 10;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (black(f, k, t, mid, call) > price) hi = mid;
    else lo = mid;
  }
  return (lo + hi) / 2;
}

const SNAPSHOT = "2026-03-04T09:33:15Z";

/** OTM two-sided quotes of one expiry of the recorded BTC chain at SNAPSHOT. */
function quotes(expiryDate: string) {
  const [header, ...lines] = readFileSync("data/deribit_options_weekly_BTC.csv", "utf8")
    .trim()
    .split("\n");
  const cols = header.split(",");
  return lines
    .map((l) => Object.fromEntries(l.split(",").map((v, i) => [cols[i], v])))
    .filter((r) => r.snapshot_utc === SNAPSHOT && r.expiry_date === expiryDate)
    .map((r) => ({
      strike: Number(r.strike),
      call: r.option_type === "C",
      bid: Number(r.bid_price),
      ask: Number(r.ask_price),
      f: Number(r.underlying_price),
    }))
    .filter((q) => q.bid > 0 && q.ask > q.bid && (q.call ? q.strike >= q.f : q.strike < q.f));
}

describe("vigil calibrate --eval", () => {
  it("evaluates the published surface at requested strikes: inside the quotes' own bid–ask IVs", () => {
    const expiryDate = "2026-03-27";
    const expiry = `${expiryDate}T08:00:00.000Z`;
    const qs = quotes(expiryDate);
    expect(qs.length).toBeGreaterThan(20);
    const t = (Date.parse(expiry) - Date.parse(SNAPSHOT)) / (365 * 86_400_000);
    const file = join(dir, "eval.csv");
    writeFileSync(
      file,
      [
        "expiry,strike",
        ...qs.map((q) => `${expiry},${q.strike}`),
        "2026-03-28T08:00:00Z,70000", // not a listed expiry: nothing fitted there
        `${expiry},${70000 * 1000}`, // far beyond the grid: no price to invert
      ].join("\n"),
    );
    const r = vigil(
      "calibrate",
      "data/deribit_options_weekly_BTC.csv",
      "--at",
      SNAPSHOT,
      "--eval",
      file,
      "--json",
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.evaluated).toHaveLength(qs.length + 2);
    for (const e of out.evaluated)
      expect(Object.keys(e).sort()).toEqual(["expiry", "iv", "strike"]);
    let inside = 0;
    qs.forEach((q, i) => {
      const e = out.evaluated[i];
      expect(e).toMatchObject({ expiry, strike: q.strike });
      // Deribit quotes in coin: the USD-forward price is coin × F
      const bidIv = iv(q.bid * q.f, q.f, q.strike, t, q.call);
      const askIv = iv(q.ask * q.f, q.f, q.strike, t, q.call);
      if (e.iv >= bidIv - 1e-6 && e.iv <= askIv + 1e-6) inside++;
    });
    // the surface is fitted to these quotes' mids: it should sit inside nearly every band
    expect(inside / qs.length).toBeGreaterThanOrEqual(0.9);
    expect(out.evaluated[qs.length]).toEqual({
      expiry: "2026-03-28T08:00:00.000Z",
      strike: 70000,
      iv: null,
    });
    expect(out.evaluated[qs.length + 1].iv).toBeNull(); // never a vol of 0
    // the out-of-sample score is reported beside the mark's on the same held-out quotes
    expect(out.outOfSample.n).toBeGreaterThan(50);
    expect(out.outOfSample.n + out.outOfSample.unpriced + out.outOfSample.noMark).toBe(
      out.outOfSample.heldOut,
    );
  });

  it("rejects a malformed --eval file with exit 2 naming the line, an unreadable one with 1", () => {
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, "expiry,strike\n2026-03-27T08:00:00Z,abc\n");
    const r = vigil("calibrate", "data/deribit_options_weekly_BTC.csv", "--eval", bad, "--json");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/line 2: strike 'abc'/);
    const dates = join(dir, "dates.csv");
    writeFileSync(dates, "March,70000\n");
    expect(
      vigil("calibrate", "data/deribit_options_weekly_BTC.csv", "--eval", dates).stderr,
    ).toMatch(/line 1: expected 'expiry,strike' with an ISO expiry/);
    expect(
      vigil("calibrate", "data/deribit_options_weekly_BTC.csv", "--eval", join(dir, "none.csv"))
        .status,
    ).toBe(1);
  });
});
