// The three driver paths against real databases: PGlite's directory lock across processes, and
// @vercel/postgres (Neon's WebSocket driver) against the local server through a WebSocket-to-TCP
// relay started here.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { count, sql } from "drizzle-orm";
import { WebSocketServer } from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dbConfigFromEnv, openDb, type DbHandle } from "../../db/client";
import { runs } from "../../db/schema";
import { DEFAULT_CONFIG } from "../../lib/config";
import { ReplaySource } from "../../lib/market/replay";
import { executeRun } from "../../lib/pipeline/run";
import { freshServerDb } from "../helpers/db";

describe("driver choice", () => {
  it("follows the environment and refuses inconsistent settings", () => {
    expect(dbConfigFromEnv({})).toMatchObject({
      driver: "pglite",
      pgliteDir: join(".data", "pglite"),
    });
    expect(dbConfigFromEnv({ DATABASE_URL: "postgres://x@h/db" })).toMatchObject({ driver: "pg" });
    expect(
      dbConfigFromEnv({ POSTGRES_URL: "postgres://x@h/db", DB_DRIVER: "vercel" }),
    ).toMatchObject({ driver: "vercel" });
    expect(() => dbConfigFromEnv({ DB_DRIVER: "vercel" })).toThrow(
      /needs DATABASE_URL or POSTGRES_URL/,
    );
    expect(() => dbConfigFromEnv({ DB_DRIVER: "mysql" })).toThrow(/DB_DRIVER must be one of/);
  });
});

describe("embedded PGlite directory", () => {
  let dir: string;
  let h: DbHandle;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vigil-lock-"));
    h = await openDb({ driver: "pglite", pgliteDir: join(dir, "db") });
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("gives a second process a clear error instead of opening it", () => {
    const r = spawnSync(
      process.execPath,
      ["bin/vigil.mjs", "run", "--once", "--at", "2026-03-04T10:00:00Z"],
      {
        env: {
          ...process.env,
          PGLITE_DIR: join(dir, "db"),
          DATABASE_URL: "",
          POSTGRES_URL: "",
          DB_DRIVER: "",
        },
        encoding: "utf8",
      },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`is in use by process ${process.pid}`));
  });

  it("was migrated on first use and is released on close", async () => {
    const [{ n }] = await h.db.select({ n: count() }).from(runs);
    expect(n).toBe(0);
    await h.close();
    h = await openDb({ driver: "pglite", pgliteDir: join(dir, "db") }); // would throw if still locked
  });
});

describe.skipIf(!process.env.DATABASE_URL)("node-postgres pool", () => {
  it("survives the server dropping its idle connections, and reconnects", async () => {
    const h = await freshServerDb(process.env.DATABASE_URL!, "pg");
    try {
      const pid = async () => {
        const r = await h.db.execute(sql`select pg_backend_pid() as pid`);
        return (r as unknown as { rows: { pid: number }[] }).rows[0].pid;
      };
      const before = await pid();
      // Terminated from another session, as a server restart or failover would: the pool's idle
      // client errors. Without a listener that error is uncaught and fails this run.
      const admin = await openDb({ driver: "pg", url: process.env.DATABASE_URL!, pgliteDir: "" });
      await admin.db.execute(sql`select pg_terminate_backend(${before})`);
      await admin.close();
      await new Promise((r) => setTimeout(r, 200));
      const after = await pid();
      expect(after).not.toBe(before);
    } finally {
      await h.close();
    }
  });
});

describe.skipIf(!process.env.DATABASE_URL)("@vercel/postgres through a WebSocket relay", () => {
  let wss: WebSocketServer;
  let h: DbHandle;
  beforeAll(async () => {
    // Neon's driver speaks the Postgres wire protocol inside WebSocket binary frames; this relay
    // unwraps them onto a TCP connection to the address the driver asks for.
    wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    wss.on("connection", (ws, req) => {
      const address = new URL(req.url ?? "/", "http://relay").searchParams.get("address") ?? "";
      const [host, port] = address.split(":");
      if (host !== "127.0.0.1" && host !== "localhost") return ws.close(1008, "loopback only");
      const tcp = connect(Number(port), "127.0.0.1");
      ws.on("message", (data) => tcp.write(data as Buffer));
      tcp.on("data", (d) => ws.readyState === ws.OPEN && ws.send(d));
      tcp.on("close", () => ws.close());
      tcp.on("error", () => ws.close());
      ws.on("close", () => tcp.destroy());
    });
    await new Promise((r) => wss.once("listening", r));
    const { port } = wss.address() as AddressInfo;
    process.env.VERCEL_POSTGRES_WS_PROXY = `127.0.0.1:${port}/v2`;
    h = await freshServerDb(process.env.DATABASE_URL!, "vercel", "localhost");
  });
  afterAll(async () => {
    await h?.close();
    delete process.env.VERCEL_POSTGRES_WS_PROXY;
    wss?.close();
  });

  it("migrates and runs the pipeline through drizzle's vercel-postgres driver", async () => {
    expect(h.driver).toBe("vercel");
    const r = await h.db.execute(sql`select current_database() as db`);
    expect((r as unknown as { rows: { db: string }[] }).rows[0].db).toMatch(/^vigil_test_/);
    const at = new Date("2026-03-04T10:00:00Z");
    const s = await executeRun(h.db, new ReplaySource(), DEFAULT_CONFIG, {
      job: "vercel",
      slot: at,
      asOf: at,
      trigger: "cli",
      markets: ["deribit:BTC"],
    });
    expect(s.status).toBe("succeeded");
    expect(s.markets[0].proposals).toHaveLength(1);
  });
});
