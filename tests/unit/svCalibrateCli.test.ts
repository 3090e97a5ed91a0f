// `vigil calibrate --model heston|bates`, and the generic JSON chain layout.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseChainFile } from "../../lib/market/chainFiles";
import { black76Price, type OptionType } from "../../lib/quant/black76";
import { hestonPrice, type HestonParams } from "../../lib/quant/heston";
import { readGolden } from "../helpers/golden";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "vigil-sv-"));

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

const bench = readGolden<{
  heston_calibration_benchmark: {
    quotes: Array<{ strike: number; t: number; type: OptionType }>;
  };
}>().heston_calibration_benchmark;
const TRUE: HestonParams = { v0: 0.08, kappa: 3, theta: 0.1, sigma: 0.25, rho: -0.8 };

function writeJson(name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

interface SvDoc {
  layout: string;
  model: string;
  asset: string;
  params: Record<string, number>;
  feller: number;
  quotes: { total: number; used: number };
  slices: Array<{ expiry?: string; t: number; n: number; rmseVolPts: number | null }>;
  surface: {
    n: number;
    rmseVolPts: number;
    insideSpreadShare: number | null;
    fitMs: number;
    status: string;
  };
}

describe("vigil calibrate --model heston|bates", () => {
  it("recovers the Cui et al. parameters from a generic JSON chain of their prices", async () => {
    const file = writeJson("cui.json", {
      asOf: "2026-01-05T00:00:00Z",
      underlying: "SYN",
      quotes: bench.quotes.map((q) => {
        const forward = Math.exp(0.02 * q.t);
        return {
          t: q.t,
          strike: q.strike,
          forward,
          type: q.type,
          midPrice: hestonPrice(TRUE, forward, q.strike, q.t, q.type),
        };
      }),
    });
    const { code, stdout, stderr } = await vigil([
      "calibrate",
      file,
      "--model",
      "heston",
      "--objective",
      "price",
      "--json",
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as SvDoc;
    expect(doc.layout).toBe("generic-json");
    expect(doc.asset).toBe("SYN");
    expect(doc.quotes).toMatchObject({ total: 40, used: 40 });
    for (const k of ["v0", "kappa", "theta", "sigma", "rho"] as const) {
      expect(Math.abs(doc.params[k] - TRUE[k]) / Math.abs(TRUE[k]), k).toBeLessThan(1e-6);
    }
    expect(doc.feller).toBeCloseTo(9.6, 4);
    expect(doc.surface.n).toBe(40);
    // 8 maturities of 5 strikes (30, 60, …, 360 business days / 252)
    expect(doc.slices.map((x) => x.n)).toEqual(new Array(8).fill(5));
    expect(doc.slices[0].t).toBeCloseTo(30 / 252, 9); // the JSON keeps 10 significant digits
    expect(doc.surface.rmseVolPts).toBeLessThan(1e-6);
    expect(doc.surface.insideSpreadShare).toBeNull(); // no bid/ask in the file
    expect(doc.surface.fitMs).toBeGreaterThan(0);
    expect(doc.surface.status).toBe("converged");
  });

  it("fits Heston and Bates to a recorded Deribit chain with the usual diagnostics", async () => {
    for (const model of ["heston", "bates"]) {
      const { code, stdout } = await vigil([
        "calibrate",
        "data/deribit_options_weekly_BTC.csv",
        "--model",
        model,
        "--starts",
        "2",
        "--json",
      ]);
      expect(code).toBe(0);
      const doc = JSON.parse(stdout) as SvDoc & Record<string, unknown>;
      expect(doc.model).toBe(model);
      expect(doc.layout).toBe("weekly-csv");
      expect(Object.keys(doc.params).length).toBe(model === "heston" ? 5 : 8);
      expect(doc.feller).toBeCloseTo(
        (2 * doc.params.kappa * doc.params.theta) / doc.params.sigma ** 2,
        6,
      );
      expect(doc.surface.insideSpreadShare).toBeGreaterThanOrEqual(0);
      expect(doc.surface.insideSpreadShare).toBeLessThanOrEqual(1);
      expect(Number.isFinite(doc.surface.rmseVolPts)).toBe(true);
      expect(typeof doc.surface.status).toBe("string");
      expect(doc).toHaveProperty("quotes.cleaning");
      expect(doc.slices.reduce((a, x) => a + x.n, 0)).toBe(doc.surface.n);
      for (const x of doc.slices)
        expect(Date.parse(x.expiry!)).toBeGreaterThan(Date.parse(doc.asOf as string));
    }
  });
});

describe("generic JSON chain layout", () => {
  const quote = (strike: number, type: OptionType, iv: number) => ({
    expiry: "2026-04-05T08:00:00Z",
    strike,
    forward: 100,
    type,
    midIv: iv,
    bidIv: iv - 0.01,
    askIv: iv + 0.01,
  });

  it("reads t or expiry, midIv or midPrice, and fits the surface models too", async () => {
    const chain = {
      asOf: "2026-01-05T08:00:00Z",
      underlying: "abc",
      quotes: [
        ...[70, 80, 90].map((k) => quote(k, "put", 0.3 + (100 - k) / 500)),
        ...[100, 110, 120, 130].map((k) => quote(k, "call", 0.3 + (k - 100) / 1000)),
      ],
    };
    const parsed = parseChainFile(JSON.stringify(chain));
    expect(parsed.layout).toBe("generic-json");
    expect(parsed.generic!.underlying).toBe("ABC");
    // 90 days over a 365-day year
    expect(parsed.generic!.quotes[0].t).toBeCloseTo(90 / 365, 12);
    const withPrice = parseChainFile(
      JSON.stringify({
        ...chain,
        quotes: [{ t: 0.5, strike: 90, forward: 100, type: "put", midPrice: 3.2 }],
      }),
    );
    expect(withPrice.generic!.quotes[0]).toMatchObject({ t: 0.5, midPrice: 3.2, midIv: null });
    const file = writeJson("smile.json", chain);
    const { code, stdout } = await vigil(["calibrate", file, "--model", "svi", "--json"]);
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as { layout: string; surface: { n: number } };
    expect(doc.layout).toBe("generic-json");
    expect(doc.surface.n).toBe(7);
    // a mid price is inverted: Black-76 of 30 % gives back 30 %
    const p = black76Price(100, 90, 0.5, 0.3, "put");
    const f2 = writeJson("one.json", {
      ...chain,
      quotes: Array.from({ length: 6 }, (_, i) => ({
        t: 0.5,
        strike: 90,
        forward: 100,
        type: "put",
        midPrice: p,
        bidPrice: p * (1 - 0.01 * (i + 1)),
        askPrice: p * (1 + 0.01 * (i + 1)),
      })),
    });
    const r = await vigil(["calibrate", f2, "--model", "heston", "--starts", "1", "--json"]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as SvDoc).quotes.used).toBe(6);
  });

  it("names the bad field, exit 2", async () => {
    const base = { asOf: "2026-01-05T08:00:00Z", underlying: "ABC" };
    const cases: Array<[unknown, RegExp]> = [
      [
        { ...base, quotes: [quote(90, "put", 0.3), { ...quote(80, "put", 0.3), strike: -1 }] },
        /quotes\.1\.strike/,
      ],
      [
        { ...base, quotes: [{ ...quote(90, "put", 0.3), expiry: undefined }] },
        /quotes\.0\.t: needs "t"/,
      ],
      [{ ...base, quotes: [{ ...quote(90, "put", 0.3), midIv: undefined }] }, /quotes\.0\.midIv/],
      [{ ...base, quotes: [{ ...quote(90, "straddle" as OptionType, 0.3) }] }, /quotes\.0\.type/],
      [
        { ...base, quotes: [{ ...quote(90, "put", 0.3), expiry: "2025-01-01T00:00:00Z" }] },
        /quotes\.0\.expiry: not after asOf/,
      ],
      [{ ...base, asOf: "soon", quotes: [quote(90, "put", 0.3)] }, /asOf/],
      [{ ...base, quotes: [] }, /quotes/],
    ];
    for (const [value, msg] of cases) {
      const file = writeJson("bad.json", value);
      const { code, stderr, stdout } = await vigil(["calibrate", file, "--model", "heston"]);
      expect({ code, msg: String(msg) }).toEqual({ code: 2, msg: String(msg) });
      expect(stdout).toBe("");
      expect(stderr).toMatch(msg);
    }
  });

  it("rejects bad --objective and --starts, and them without a Heston/Bates model", async () => {
    const f = "data/deribit_options_weekly_BTC.csv";
    for (const [args, msg] of [
      [["--model", "heston", "--objective", "iv"], /--objective/],
      [["--model", "bates", "--starts", "0"], /--starts/],
      [["--model", "svi", "--starts", "2"], /apply to --model heston\|bates/],
    ] as const) {
      const { code, stderr } = await vigil(["calibrate", f, ...args]);
      expect(code).toBe(2);
      expect(stderr).toMatch(msg);
    }
  });
});
