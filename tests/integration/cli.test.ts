// The `vigil` command as a user runs it: a separate process on an embedded database directory.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "vigil-cli-"));
const env = {
  ...process.env,
  PGLITE_DIR: join(dir, "db"),
  DATABASE_URL: "",
  POSTGRES_URL: "",
  DB_DRIVER: "",
};
const vigil = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/vigil.mjs", ...args], { env, encoding: "utf8" });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("vigil run --once", () => {
  it("prints one JSON document and exits 0 for a succeeded run", () => {
    const r = vigil(
      "run",
      "--once",
      "--market",
      "deribit:ETH",
      "--at",
      "2026-05-06T12:00:00Z",
      "--json",
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      status: "succeeded",
      reason: null,
      runKey: "replay:2026-05-06T12:00:00.000Z:deribit:ETH",
    });
    expect(out.runId).toBeTypeOf("number");
    expect(out.markets).toHaveLength(1);
    const [m] = out.markets;
    expect(m).toMatchObject({ market: "deribit:ETH", status: "succeeded", reason: null });
    expect(m.quotes.used).toBeGreaterThan(100);
    expect(m.quotes.dropped).toBeGreaterThan(0);
    expect(Array.isArray(m.proposals)).toBe(true);
  });

  it("exits non-zero with the reason when the data is stale", () => {
    const r = vigil("run", "--once", "--at", "2026-10-01T00:00:00Z", "--json");
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe("degraded");
    expect(out.reason).toMatch(/deribit:BTC: ingest: snapshot is 1022\.3 h old/);
  });

  it("rejects bad arguments with a message naming them and exit code 2", () => {
    const cases: [string[], RegExp][] = [
      [["run", "--once", "--at", "yesterday"], /--at: 'yesterday' is not an ISO date-time/],
      [["run", "--once", "--market", "BTC"], /--market: 'BTC' is not a market id/],
      [["run", "--once", "--market", "deribit:SOL"], /unknown market 'deribit:SOL'/],
      [["run", "--at", "2026-03-04"], /needs --once/],
      [["run", "--once", "--bogus"], /unknown option --bogus/],
      [["backfill", "--from", "2026-05-01", "--to", "2026-04-01"], /--from is after --to/],
      [["db", "drop"], /usage: vigil db migrate/],
    ];
    for (const [args, message] of cases) {
      const r = vigil(...args);
      expect(r.stderr, args.join(" ")).toMatch(message);
      expect(
        r.status === 2 || (args.includes("deribit:SOL") && r.status === 1),
        args.join(" "),
      ).toBe(true);
    }
  });
});

describe("vigil run --once with MARKET_SOURCE=simulator", () => {
  it("runs both markets on the seeded simulator, as of now", () => {
    const sim = {
      ...env,
      MARKET_SOURCE: "simulator",
      SIMULATOR_SEED: "7",
      PGLITE_DIR: join(dir, "sim"),
    };
    const r = spawnSync(process.execPath, ["bin/vigil.mjs", "run", "--once", "--json"], {
      env: sim,
      encoding: "utf8",
    });
    const out = JSON.parse(r.stdout);
    expect(out.status, out.reason).toBe("succeeded");
    expect(r.status).toBe(0);
    for (const m of out.markets) expect(m.quotes.used).toBeGreaterThan(100);
  });

  it("keys a run at a given time by its source: the replay's run is not the simulator's", () => {
    const at = ["run", "--once", "--market", "deribit:ETH", "--at", "2026-05-06T12:00:00Z"];
    const runAt = (extra: Record<string, string>) => {
      const r = spawnSync(process.execPath, ["bin/vigil.mjs", ...at, "--json"], {
        env: { ...env, PGLITE_DIR: join(dir, "keys"), ...extra },
        encoding: "utf8",
      });
      return JSON.parse(r.stdout);
    };
    const replayed = runAt({});
    const simulated = runAt({ MARKET_SOURCE: "simulator", SIMULATOR_SEED: "7" });
    const otherSeed = runAt({ MARKET_SOURCE: "simulator", SIMULATOR_SEED: "8" });
    expect(replayed.runKey).toBe("replay:2026-05-06T12:00:00.000Z:deribit:ETH");
    expect(simulated.runKey).toBe("simulator:7:2026-05-06T12:00:00.000Z:deribit:ETH");
    expect(otherSeed.runKey).toBe("simulator:8:2026-05-06T12:00:00.000Z:deribit:ETH");
    expect(new Set([replayed.runId, simulated.runId, otherSeed.runId]).size).toBe(3);
    for (const s of [replayed, simulated, otherSeed]) expect(s.replayed).toBeFalsy();
    expect(runAt({ MARKET_SOURCE: "simulator", SIMULATOR_SEED: "7" })).toMatchObject({
      runId: simulated.runId,
      replayed: true,
    });
  });

  it("names a bad source setting and exits 2", () => {
    const cases: [Record<string, string>, RegExp][] = [
      [
        { MARKET_SOURCE: "binance" },
        /MARKET_SOURCE must be one of replay, deribit, simulator \(got 'binance'\)/,
      ],
      [
        { MARKET_SOURCE: "simulator", SIMULATOR_SEED: "x" },
        /SIMULATOR_SEED must be an integer \(got 'x'\)/,
      ],
      [
        { MARKET_SOURCE: "deribit", DERIBIT_TIMEOUT_MS: "-5" },
        /DERIBIT_TIMEOUT_MS must be > 0 \(got -5\)/,
      ],
    ];
    for (const [extra, message] of cases) {
      const r = spawnSync(process.execPath, ["bin/vigil.mjs", "run", "--once"], {
        env: { ...env, ...extra },
        encoding: "utf8",
      });
      expect(r.stderr).toMatch(message);
      expect(r.status).toBe(2);
    }
  });
});

describe("vigil backfill", () => {
  it("records one run per snapshot in the range, in time order, and is idempotent", () => {
    const args = [
      "backfill",
      "--from",
      "2026-02-01T00:00:00Z",
      "--to",
      "2026-02-28T23:59:59Z",
      "--json",
    ];
    const first = vigil(...args);
    expect(first.status).toBe(0);
    const a = JSON.parse(first.stdout);
    // Wednesdays 02-04, 02-11, 02-18, 02-25
    expect(a).toMatchObject({
      runs: 4,
      newlyRecorded: 4,
      succeeded: 4,
      failed: 0,
      from: "2026-02-04T09:36:20.000Z",
      to: "2026-02-25T09:44:50.000Z",
    });
    expect(a.runIds).toEqual([...a.runIds].sort((x: number, y: number) => x - y));
    expect(first.stderr).toMatch(/4\/4/);
    const again = JSON.parse(vigil(...args).stdout);
    expect(again).toMatchObject({ runs: 4, newlyRecorded: 0 });
    expect(again.runIds).toEqual(a.runIds);
  });
});

describe("vigil scheduler", () => {
  it("runs the current hourly slot at start-up and stops cleanly on SIGTERM", async () => {
    // On the seeded simulator, whose data is fresh at any time, so the outcome does not depend on
    // today's date (the bundled recorded data grows stale).
    const child = spawn(process.execPath, ["bin/vigil.mjs", "scheduler", "--json"], {
      env: {
        ...env,
        MARKET_SOURCE: "simulator",
        SIMULATOR_SEED: "7",
        PGLITE_DIR: join(dir, "sched"),
      },
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const deadline = Date.now() + 60_000;
    while (!out.includes("\n") && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    child.kill("SIGTERM");
    const code = await new Promise((r) => child.on("exit", r));
    expect(code).toBe(0);
    const run = JSON.parse(out.split("\n")[0]);
    const slot = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString();
    expect([
      `hourly:${slot}`,
      `hourly:${new Date(Date.parse(slot) - 3_600_000).toISOString()}`,
    ]).toContain(run.runKey);
    expect(run.status, run.reason).toBe("succeeded");
  });
});
