// `npm run bench api`: the public API under load. `next start` (the production build: run
// `npx next build` first) on the Postgres server with the bundled history backfilled (34 weekly
// runs, into a database of its own that later runs reuse), 32 connections of autocannon per
// route, beside the static /icon.svg measured in the same run. Every API request is counted by
// the Postgres rate limiter as in production (the limit is set out of reach, one client).
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import autocannon from "autocannon";
import pg from "pg";
import { freePort, waitFor } from "../tests/helpers/browser";
import type { BenchSection } from "./run";

const ADMIN_URL = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";
const DB = "vigil_bench_api";
const CONNECTIONS = 32;
const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 10);
const ROUTES = [
  "/icon.svg",
  "/api/v1/runs/latest",
  "/api/v1/markets/deribit:BTC/risk",
  "/api/v1/runs?limit=50",
];

async function load(url: string, seconds: number) {
  return autocannon({ url, connections: CONNECTIONS, duration: seconds });
}

export default async function bench(): Promise<BenchSection[]> {
  if (!existsSync(".next/BUILD_ID")) throw new Error("bench api: run `npx next build` first");
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const exists = await admin.query("select 1 from pg_database where datname = $1", [DB]);
  if (!exists.rowCount) await admin.query(`create database ${DB}`);
  await admin.end();
  const u = new URL(ADMIN_URL);
  u.pathname = `/${DB}`;
  const env = { ...process.env, DATABASE_URL: u.toString(), DB_DRIVER: "pg" };
  for (const args of [["db", "migrate"], ["backfill"]]) {
    const r = spawnSync(process.execPath, ["bin/vigil.mjs", ...args], { env, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`vigil ${args.join(" ")}: ${r.stderr}`);
  }
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(
    process.execPath,
    ["node_modules/next/dist/bin/next", "start", "-p", String(port), "-H", "127.0.0.1"],
    {
      env: {
        ...env,
        NODE_ENV: "production",
        API_RATE_LIMIT: "1000000000",
        NEXTAUTH_URL: base,
        NEXTAUTH_SECRET: "bench-only-secret-bench-only-secret",
      },
      stdio: "ignore",
    },
  );
  try {
    await waitFor(`${base}/api/v1/runs/latest`, 60_000, 200);
    const rows: BenchSection["rows"] = [];
    let anchor: { rps: number; p99: number } | undefined;
    for (const route of ROUTES) {
      await load(base + route, 2); // warm-up: JIT, connection pool, caches
      const r = await load(base + route, SECONDS);
      const rps = r.requests.average;
      const p99 = r.latency.p99;
      anchor ??= { rps, p99 };
      rows.push({
        route,
        "req/s": rps,
        "p50 ms": r.latency.p50,
        "p99 ms": p99,
        "non-2xx": r.non2xx,
        errors: r.errors + r.timeouts,
        "× static req/s": rps / anchor.rps,
        "× static p99": p99 / anchor.p99,
      });
    }
    return [
      {
        title: `Public API, ${CONNECTIONS} connections × ${SECONDS} s each, next start on Postgres (goal: ≥ 0.5× static req/s, p99 ≤ 2× static)`,
        rows,
      },
    ];
  } finally {
    server.kill("SIGTERM");
  }
}
