// The public API's building blocks over their whole input domain: path ids and market ids,
// cursors, CSV (checked by an independent RFC 4180 parser), public reasons and the rate-limit
// setting.
import { parse as parseCsv } from "csv-parse/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toCsv } from "../../lib/api/csv";
import { parseId, parseMarketId } from "../../lib/api/problem";
import { publicReason } from "../../lib/api/publicReason";
import { clientOf, rateLimitPerMinute } from "../../lib/api/publicGet";
import { Cursor, encodeCursor, RiskQuery, RunsQuery } from "../../lib/api/schemas";

const INT4_MAX = 2_147_483_647;

describe("path ids", () => {
  it("accepts exactly the decimal integers 1 … 2^31−1", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
          fc.constantFrom(
            "0",
            "1",
            "2147483647",
            "2147483648",
            "-1",
            "1e3",
            " 1",
            "1.0",
            "0x1F",
            "",
          ),
        ),
        (raw) => {
          const expected =
            /^\d{1,10}$/.test(raw) && Number(raw) >= 1 && Number(raw) <= INT4_MAX
              ? Number(raw)
              : null;
          expect(parseId(raw)).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
    expect(parseId("2147483647")).toBe(INT4_MAX);
    expect(parseId("2147483648")).toBeNull();
    expect(parseId("99999999999999999999")).toBeNull();
  });

  it("market ids: venue:UNDERLYING after percent-decoding, null for broken encoding", () => {
    expect(parseMarketId("deribit%3ABTC")).toBe("deribit:BTC");
    expect(parseMarketId("deribit:ETH")).toBe("deribit:ETH");
    for (const bad of [
      "x%E0",
      "%",
      "%ZZ",
      "deribit:btc",
      "Deribit:BTC",
      "deribit:",
      ":BTC",
      "deribit:BTC:X",
      "",
    ])
      expect(parseMarketId(bad), bad).toBeNull();
    fc.assert(
      fc.property(fc.string(), (raw) => {
        const id = parseMarketId(raw);
        if (id !== null) expect(id).toMatch(/^[a-z]+:[A-Z0-9]+$/);
      }),
    );
  });
});

describe("cursors", () => {
  it("round-trip any time and id the API can issue", () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date("1970-01-01T00:00:00Z"),
          max: new Date("9999-12-31T23:59:59Z"),
          noInvalidDate: true,
        }),
        fc.integer({ min: 1, max: INT4_MAX }),
        (at, id) => {
          const parsed = Cursor.parse(encodeCursor(at, id));
          expect(parsed.at.getTime()).toBe(at.getTime());
          expect(parsed.id).toBe(id);
        },
      ),
    );
  });

  it("reject what the API never issued", () => {
    const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64url");
    for (const bad of [
      "",
      "abc",
      "not a cursor",
      b64("2026-01-01T00:00:00.000Z|0"),
      b64("2026-01-01T00:00:00.000Z|2147483648"),
      b64("2026-01-01T00:00:00.000Z|-1"),
      b64("2026-13-01T00:00:00.000Z|5"),
      b64("yesterday|5"),
      b64("2026-01-01T00:00:00.000Z"),
      "x".repeat(201),
    ])
      expect(Cursor.safeParse(bad).success, bad).toBe(false);
    fc.assert(
      fc.property(fc.string(), (s) => {
        const r = Cursor.safeParse(s);
        if (r.success) expect(r.data.id).toBeGreaterThanOrEqual(1);
      }),
    );
  });

  it("list limits are 1 … 200 and default to 50", () => {
    expect(RunsQuery.parse({}).limit).toBe(50);
    for (const [limit, ok] of [
      ["1", true],
      ["200", true],
      ["0", false],
      ["201", false],
      ["-5", false],
      ["1.5", false],
      ["abc", false],
      ["1e2", true],
    ] as const)
      expect(RunsQuery.safeParse({ limit }).success, limit).toBe(ok);
    expect(RiskQuery.parse({}).horizon).toBe(1);
    expect(RiskQuery.parse({}).level).toBe(0.99);
    expect(RiskQuery.safeParse({ horizon: "4" }).success).toBe(false);
    expect(RiskQuery.safeParse({ level: "1" }).success).toBe(false);
    expect(RiskQuery.safeParse({ level: "NaN" }).success).toBe(false);
  });
});

describe("CSV", () => {
  it("any field survives a round trip through an independent RFC 4180 parser", () => {
    const cell = fc.oneof(
      fc.string(),
      fc.constantFrom('a,"b"', "line\r\nbreak", '"', ",", "\n", ""),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constant(null),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, cell), { maxLength: 8 }), (rows) => {
        const text = toCsv(
          ["a", "b"],
          rows.map(([a, b]) => ({ a, b })),
        );
        const parsed = parseCsv(text, { columns: true, relax_column_count: false }) as {
          a: string;
          b: string;
        }[];
        expect(parsed.map((r) => [r.a, r.b])).toEqual(
          rows.map((r) => r.map((v) => (v === null ? "" : String(v)))),
        );
      }),
    );
    expect(toCsv(["x"], [{ x: Number.NaN }, { x: Infinity }])).toBe("x\r\n\r\n\r\n");
  });
});

describe("public reasons", () => {
  it("pass a category's own message, cap its length, and hide anything else", () => {
    expect(publicReason("deadline: deribit:BTC did not finish within 240 s")).toEqual({
      category: "deadline",
      message: "deribit:BTC did not finish within 240 s",
    });
    expect(publicReason(null)).toBeNull();
    expect(publicReason("")).toBeNull();
    expect(publicReason(`source: ${"x".repeat(1000)}`)!.message.length).toBeLessThanOrEqual(300);
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (raw) => {
        const r = publicReason(raw)!;
        if (!/^(deadline|abandoned|source|data-quality|database|internal):/.test(raw)) {
          expect(r.category).toBe("internal");
          if (raw.length > 3) expect(r.message).not.toContain(raw);
        }
      }),
    );
    const leak = 'error: relation "runs" does not exist at 10.0.0.5';
    expect(JSON.stringify(publicReason(leak))).not.toContain("10.0.0.5");
  });
});

describe("rate-limit setting and client", () => {
  it("API_RATE_LIMIT: a positive integer, else the default 120", () => {
    for (const [raw, n] of [
      [undefined, 120],
      ["", 120],
      ["0", 120],
      ["-3", 120],
      ["1.5", 120],
      ["abc", 120],
      ["5", 5],
      ["100000", 100000],
    ] as const)
      expect(rateLimitPerMinute({ API_RATE_LIMIT: raw }), String(raw)).toBe(n);
  });

  it("the client is the first X-Forwarded-For address", () => {
    const req = (h?: string) =>
      new Request("http://x/api/v1/runs", h ? { headers: { "x-forwarded-for": h } } : {});
    expect(clientOf(req("203.0.113.7, 10.0.0.1"))).toBe("203.0.113.7");
    expect(clientOf(req())).toBe("unknown");
    expect(clientOf(req("a".repeat(500))).length).toBe(64);
  });
});
