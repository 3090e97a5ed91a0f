// `vigil calibrate` on every chain-file layout, and the layout readers themselves.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  assetFromFileName,
  parseChainFile,
  parseInstrumentName,
  pickSnapshot,
} from "../../lib/market/chainFiles";

const root = fileURLToPath(new URL("../../", import.meta.url));

function vigil(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/vigil.mjs", ...args], { cwd: root });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

interface Doc {
  asOf: string;
  asset: string;
  model: string;
  layout: string;
  slices: {
    expiry: string;
    t: number;
    forward: number;
    params: unknown;
    n: number;
    rmseVolPts: number;
    insideSpreadShare: number;
  }[];
  surface: {
    rmseVolPts: number;
    insideSpreadShare: number;
    butterflyViolations: number;
    calendarViolations: number;
    fitMs: number;
  };
}

function checkDoc(doc: Doc) {
  expect(doc.slices.length).toBeGreaterThan(5);
  for (const s of doc.slices) {
    expect(Date.parse(s.expiry)).toBeGreaterThan(Date.parse(doc.asOf));
    expect(s.t).toBeGreaterThan(0);
    expect(s.forward).toBeGreaterThan(0);
    expect(s.params).toBeTypeOf("object");
    expect(s.n).toBeGreaterThanOrEqual(5);
    expect(s.rmseVolPts).toBeGreaterThanOrEqual(0);
    expect(s.insideSpreadShare).toBeGreaterThan(0);
  }
  expect(doc.surface.butterflyViolations).toBe(0);
  expect(doc.surface.calendarViolations).toBe(0);
  expect(doc.surface.rmseVolPts).toBeLessThan(1);
  expect(doc.surface.insideSpreadShare).toBeGreaterThan(0.9);
  expect(doc.surface.fitMs).toBeGreaterThan(0);
}

const LAYOUTS: [string, string, string, string][] = [
  // file, layout, asset, asOf
  ["data/deribit_options_weekly_BTC.csv", "weekly-csv", "BTC", "2026-08-19T09:42:32.000Z"],
  [
    "tests/fixtures/deribit_options_daily_OTM_ETH_head.csv",
    "daily-otm-csv",
    "ETH",
    "2025-12-31T09:18:00.000Z",
  ],
  [
    "tests/fixtures/deribit_options_snapshot_20260107T092155Z_verbatim.csv",
    "snapshot-csv",
    "BTC",
    "2026-01-07T09:21:55.572Z",
  ],
  [
    "tests/fixtures/deribit_BTC_surface_snapshot_2026-05-26.min.json",
    "surface-json",
    "BTC",
    "2026-05-26T19:27:44.000Z",
  ],
  [
    "tests/fixtures/book_summary_btc_option_20260107.json",
    "book-summary-json",
    "BTC",
    "2026-01-07T09:21:55.572Z",
  ],
];

describe("vigil calibrate", () => {
  it.each(LAYOUTS)(
    "reads %s (%s) and fits an arbitrage-free surface",
    async (file, layout, asset, asOf) => {
      const { code, stdout, stderr } = await vigil(["calibrate", file, "--json"]);
      expect(stderr).toBe("");
      expect(code).toBe(0);
      const doc = JSON.parse(stdout) as Doc;
      expect(doc.layout).toBe(layout);
      expect(doc.asset).toBe(asset);
      expect(doc.asOf).toBe(asOf);
      expect(doc.model).toBe("published");
      checkDoc(doc);
    },
  );

  it("--at picks the latest snapshot at or before the time; --asset and --model apply", async () => {
    const { code, stdout } = await vigil([
      "calibrate",
      "data/deribit_options_weekly_ETH.csv",
      "--at",
      "2026-01-10T00:00:00Z",
      "--model",
      "essvi",
      "--json",
    ]);
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as Doc;
    expect(doc.asset).toBe("ETH");
    expect(doc.model).toBe("essvi");
    expect(doc.asOf).toBe("2026-01-07T09:21:55.000Z"); // the next one is 2026-01-14
    const eth = await vigil([
      "calibrate",
      "tests/fixtures/deribit_options_snapshot_20260107T092155Z_verbatim.csv",
      "--asset",
      "ETH",
      "--json",
    ]);
    expect(eth.code).toBe(0);
    expect((JSON.parse(eth.stdout) as Doc).asset).toBe("ETH");
  });

  it("prints a readable table without --json", async () => {
    const { code, stdout } = await vigil([
      "calibrate",
      "tests/fixtures/deribit_options_snapshot_20260107T092155Z_verbatim.csv",
      "--model",
      "svi",
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^BTC 2026-01-07T09:21:55\.572Z {2}snapshot-csv {2}model svi/);
    expect(stdout).toMatch(/Deribit mark: rmse/);
  });

  it("answers the real 5-quote book summary with no slices (all expire within a day)", async () => {
    const { code, stdout, stderr } = await vigil([
      "calibrate",
      "data/api_samples/deribit_book_summary_btc_option.json",
      "--json",
    ]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/no expiry of BTC has enough usable quotes/);
    const doc = JSON.parse(stdout) as Doc & {
      quotes: { total: number; cleaning: Record<string, number>; dropped: Record<string, number> };
    };
    expect(doc.slices).toEqual([]);
    // Cleaning drops the rows with a missing side; calibration the rest (they expire in < 1 day).
    const rows = (
      JSON.parse(
        readFileSync(`${root}data/api_samples/deribit_book_summary_btc_option.json`, "utf8"),
      ) as {
        result: { bid_price: number | null; ask_price: number | null }[];
      }
    ).result;
    const oneSided = rows.filter((r) => r.bid_price === null || r.ask_price === null).length;
    expect(oneSided).toBeGreaterThan(0);
    expect(doc.quotes.total).toBe(5);
    expect(doc.quotes.cleaning["one-sided"]).toBe(oneSided);
    expect(doc.quotes.dropped["expiring too soon"]).toBe(5 - oneSided);
  });

  it("rejects bad input with exit 2, an unreadable file with exit 1", async () => {
    const cases: [string[], number, RegExp][] = [
      [["calibrate"], 2, /exactly one chain file/],
      [["calibrate", "data/deribit_options_weekly_BTC.csv", "--at", "yesterday"], 2, /--at/],
      [
        ["calibrate", "data/deribit_options_weekly_BTC.csv", "--at", "2020-01-01"],
        2,
        /no BTC snapshot/,
      ],
      [
        ["calibrate", "data/deribit_options_weekly_BTC.csv", "--model", "sabr"],
        2,
        /unknown --model/,
      ],
      [["calibrate", "data/deribit_options_weekly_BTC.csv", "--asset", "SOL"], 2, /no SOL quotes/],
      [
        ["calibrate", "data/deribit_options_weekly_BTC.csv", "--bogus"],
        2,
        /unknown option --bogus/,
      ],
      [["calibrate", "data/btc_usd_daily_2015-2026.csv"], 2, /unknown layout/],
      [
        ["calibrate", "data/api_samples/deribit_ticker_btc_perpetual.json"],
        2,
        /unknown JSON layout/,
      ],
      [["calibrate", "tests/fixtures/golden.json"], 2, /layout|result/],
      [["calibrate", "no/such/file.csv"], 1, /cannot read/],
    ];
    for (const [args, want, msg] of cases) {
      const { code, stdout, stderr } = await vigil(args);
      expect({ args, code }).toEqual({ args, code: want });
      expect(stdout).toBe("");
      expect(stderr).toMatch(msg);
    }
  });
});

describe("chain file readers", () => {
  it("parses instrument names", () => {
    expect(parseInstrumentName("BTC-26JUN26-70000-C")).toEqual({
      asset: "BTC",
      expiry: Date.UTC(2026, 5, 26, 8),
      strike: 70000,
      type: "call",
    });
    expect(parseInstrumentName("ETH-1JAN26-2d5-P")?.strike).toBe(2.5);
    expect(parseInstrumentName("BTC-PERPETUAL")).toBeNull();
    expect(assetFromFileName("x/deribit_options_daily_OTM_ETH.csv")).toBe("ETH");
  });

  it("the same snapshot read from its CSV and its book-summary form gives the same quotes", () => {
    const csv = parseChainFile(
      readFileSync(
        `${root}tests/fixtures/deribit_options_snapshot_20260107T092155Z_verbatim.csv`,
        "utf8",
      ),
    );
    const json = parseChainFile(
      readFileSync(`${root}tests/fixtures/book_summary_btc_option_20260107.json`, "utf8"),
    );
    const a = pickSnapshot(csv, "BTC")!;
    const b = pickSnapshot(json, "BTC")!;
    expect(a.options).toHaveLength(644);
    expect(b.options).toHaveLength(644);
    const byName = new Map(b.options.map((o) => [o.instrument, o]));
    for (const o of a.options) {
      const p = byName.get(o.instrument)!;
      expect([p.expiry, p.strike, p.type, p.bid, p.ask, p.forward]).toEqual([
        o.expiry,
        o.strike,
        o.type,
        o.bid,
        o.ask,
        o.forward,
      ]);
    }
  });

  it("the daily OTM layout needs an asset from the name or the caller", () => {
    const text = readFileSync(
      `${root}tests/fixtures/deribit_options_daily_OTM_ETH_head.csv`,
      "utf8",
    );
    expect(() => parseChainFile(text, "chain.csv")).toThrow(/--asset/);
    const f = parseChainFile(text, "chain.csv", "ETH");
    expect(f.snapshots).toHaveLength(2);
    expect(f.snapshots[1].options[0].instrument).toMatch(/^ETH-\d+[A-Z]{3}\d{2}-\d+-[CP]$/);
  });
});
