// The live Deribit adapter against a local HTTP server serving recorded real responses, with
// faults injected in the server (never by mocking fetch).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DeribitSource, MarketDataError } from "../../lib/market/deribit";

const sample = (f: string) => readFileSync(`data/api_samples/${f}`, "utf8");
const BOOK = sample("deribit_book_summary_btc_option.json");
const INSTRUMENTS = sample("deribit_get_instruments_btc_option.json");
const INDEX = JSON.stringify({
  jsonrpc: "2.0",
  result: { index_price: 76736.07, estimated_delivery_price: 76736.07 },
});
const NOW = Date.parse("2026-05-22T14:34:00Z");

type Fault = "500" | "429" | "hang" | "truncated" | "rpc-error" | "nan" | "empty";
let faults: Record<string, Fault[]> = {};
let hits: Record<string, number> = {};
let server: Server;
let base: string;

function chart(): string {
  const lines = readFileSync("data/btc_usd_daily_2015-2026.csv", "utf8")
    .trim()
    .split("\n")
    .slice(-30);
  const rows = lines.map((l) => l.split(","));
  return JSON.stringify({
    jsonrpc: "2.0",
    result: {
      status: "ok",
      ticks: rows.map((r) => Date.parse(r[0])),
      close: rows.map((r) => Number(r[1])),
    },
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname.replace("/api/v2/public/", "");
    hits[path] = (hits[path] ?? 0) + 1;
    const fault = faults[path]?.shift();
    if (fault === "hang") return; // never answers
    if (fault === "500") return void res.writeHead(500).end("internal error");
    if (fault === "429") return void res.writeHead(429).end("too many requests");
    const ok = (body: string) =>
      res.writeHead(200, { "content-type": "application/json" }).end(body);
    if (fault === "truncated") return ok(BOOK.slice(0, 200));
    if (fault === "rpc-error") {
      return void res
        .writeHead(400, { "content-type": "application/json" })
        .end(
          JSON.stringify({ jsonrpc: "2.0", error: { code: 11051, message: "system_maintenance" } }),
        );
    }
    if (fault === "nan") return ok(BOOK.replace('"bid_price": 0.0855', '"bid_price": "abc"'));
    if (fault === "empty") return ok(JSON.stringify({ jsonrpc: "2.0", result: [] }));
    if (path === "get_book_summary_by_currency") return ok(BOOK);
    if (path === "get_instruments") return ok(INSTRUMENTS);
    if (path === "get_index_price") return ok(INDEX);
    if (path === "get_tradingview_chart_data") return ok(chart());
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  faults = {};
  hits = {};
});

const source = () =>
  new DeribitSource({
    baseUrl: base,
    timeoutMs: 300,
    maxRetries: 2,
    backoffMs: 10,
    minIntervalMs: 0,
    now: () => NOW,
  });

async function failure(p: Promise<unknown>): Promise<MarketDataError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MarketDataError);
  return err as MarketDataError;
}

describe("DeribitSource against recorded responses", () => {
  it("normalizes the recorded option book into a snapshot", async () => {
    const s = (await source().snapshotAsOf("deribit:BTC", NOW))!;
    const book = JSON.parse(BOOK).result as {
      instrument_name: string;
      bid_price: number | null;
      ask_price: number;
      mark_iv: number;
      underlying_price: number;
    }[];
    expect(s.indexPrice).toBe(76736.07);
    expect(s.options).toHaveLength(book.length);
    const q = s.options.find((o) => o.instrument === "BTC-23MAY26-70000-C")!;
    const raw = book.find((b) => b.instrument_name === "BTC-23MAY26-70000-C")!;
    expect(q).toMatchObject({
      strike: 70000,
      type: "call",
      bid: raw.bid_price,
      ask: raw.ask_price,
      forward: raw.underlying_price,
    });
    expect(q.markIv).toBeCloseTo(raw.mark_iv / 100, 15);
    expect(new Date(q.expiry).toISOString()).toBe("2026-05-23T08:00:00.000Z");
    // a missing bid stays missing
    expect(s.options.find((o) => o.instrument === "BTC-23MAY26-69000-P")!.bid).toBeNull();
  });

  it("reads daily closes and keeps only candles that have closed by the as-of time", async () => {
    const d = await source().dailyPricesAsOf("deribit:BTC", Date.parse("2026-02-13T12:00:00Z"));
    expect(d.at(-1)).toEqual({
      day: "2026-02-12",
      price: 66221.84375,
      source: "deribit-perpetual",
    });
  });

  it("retries a 500 and a 429 and then succeeds", async () => {
    faults = { get_index_price: ["500", "429"] };
    const s = await source().snapshotAsOf("deribit:BTC", NOW);
    expect(s!.indexPrice).toBe(76736.07);
    expect(hits.get_index_price).toBe(3);
  });

  it("gives up after the bounded retries with the last reason", async () => {
    faults = { get_index_price: ["500", "500", "500", "500"] };
    const e = await failure(source().snapshotAsOf("deribit:BTC", NOW));
    expect(e.message).toBe("get_index_price: HTTP 500 (after 3 attempts)");
    expect(hits.get_index_price).toBe(3);
  });

  it("times out a hanging request", async () => {
    faults = { get_instruments: ["hang", "hang", "hang"] };
    const e = await failure(source().snapshotAsOf("deribit:BTC", NOW));
    expect(e.kind).toBe("timeout");
    expect(e.message).toMatch(/get_instruments: no answer within 300 ms/);
  });

  it("reports truncated JSON, a JSON-RPC error and a bad field without retrying them", async () => {
    faults = { get_book_summary_by_currency: ["truncated"] };
    expect((await failure(source().snapshotAsOf("deribit:BTC", NOW))).message).toMatch(
      /get_book_summary_by_currency: response is not valid JSON/,
    );
    faults = { get_book_summary_by_currency: ["rpc-error"] };
    expect((await failure(source().snapshotAsOf("deribit:BTC", NOW))).message).toBe(
      "get_book_summary_by_currency: JSON-RPC error 11051: system_maintenance",
    );
    faults = { get_book_summary_by_currency: ["nan"] };
    hits = {};
    const e = await failure(source().snapshotAsOf("deribit:BTC", NOW));
    expect(e.message).toMatch(/^get_book_summary_by_currency: result\.1\.bid_price: /);
    expect(hits.get_book_summary_by_currency).toBe(1);
  });

  it("returns an empty snapshot for an empty book, and refuses to replay the past", async () => {
    faults = { get_book_summary_by_currency: ["empty"] };
    expect((await source().snapshotAsOf("deribit:BTC", NOW))!.options).toEqual([]);
    const e = await failure(source().snapshotAsOf("deribit:BTC", NOW - 3_600_000));
    expect(e.kind).toBe("unavailable");
  });
});

describe("vigil run --once with MARKET_SOURCE=deribit", () => {
  async function vigilRun(): Promise<{ code: number | null; out: string; err: string }> {
    const dir = mkdtempSync(join(tmpdir(), "vigil-live-"));
    const child = spawn(
      process.execPath,
      ["bin/vigil.mjs", "run", "--once", "--market", "deribit:BTC", "--json"],
      {
        env: {
          ...process.env,
          MARKET_SOURCE: "deribit",
          DERIBIT_API_URL: base,
          DERIBIT_TIMEOUT_MS: "500",
          PGLITE_DIR: join(dir, "db"),
          DATABASE_URL: "",
          POSTGRES_URL: "",
          DB_DRIVER: "",
        },
      },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    rmSync(dir, { recursive: true, force: true });
    return { code, out, err };
  }

  it("records a failed run with the reason when the venue keeps failing, and proposes nothing", async () => {
    faults = { get_index_price: ["500", "500", "500", "500"] };
    const r = await vigilRun();
    expect(r.code).toBe(1);
    const s = JSON.parse(r.out);
    expect(s.status).toBe("failed");
    expect(s.markets[0].reason).toBe("ingest: get_index_price: HTTP 500 (after 4 attempts)");
    expect(s.markets[0].proposals).toEqual([]);
  });

  it("runs on the recorded live responses and refuses to propose from a chain that thin", async () => {
    const r = await vigilRun();
    expect(r.code).toBe(1);
    const s = JSON.parse(r.out);
    expect(s.status).not.toBe("succeeded");
    // the recorded sample holds 5 quotes expiring within a day, and 30 days of closes
    expect(s.markets[0].reason).toMatch(
      /^calibrate: chain too thin: 0 usable quotes in 0 expiries \(need 100 in 4\); assess: only 29 daily returns/,
    );
    expect(s.status).toBe("failed");
    expect(s.markets[0].proposals).toEqual([]);
  });
});
