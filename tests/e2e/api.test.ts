// The public API v1 against `next start` on the Postgres server, with four weekly runs backfilled
// (and the demo committee's signed approvals, so parameters have histories): the OpenAPI document
// is checked by a maintained OpenAPI validator, every response by Ajv against that document, every
// documented route × status is produced, values are compared with the database read
// independently, and a fast-check fuzz over paths, ids and query strings never sees a 5xx.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { parse as parseCsv } from "csv-parse/sync";
import fc from "fast-check";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createDatabase,
  dropDatabase,
  queryDb,
  serverEnv,
  startApp,
  stopApps,
  vigil,
  type App,
  type Env,
} from "../helpers/app";
import { browserTestsCanRun, launchChromium } from "../helpers/browser";

const serverUrl = process.env.DATABASE_URL;
const canRun = Boolean(serverUrl) && browserTestsCanRun;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let dbName: string;
let dbUrl: string;
const apps: App[] = [];
let base: string; // the main server: a limit no test reaches
let limitedA: string; // two instances sharing the database, 5 requests per minute
let limitedB: string;
let offline: string; // a server whose database cannot be reached
let browser: Browser | undefined;
let doc: Json;
let ajv: InstanceType<typeof Ajv2020>;
let tmp: string;

const query = <T>(text: string, values: unknown[] = []) => queryDb<T>(dbUrl, text, values);
const cli = (args: string[]) => vigil(args, serverEnv(dbUrl));

async function startServer(env: Env): Promise<string> {
  const app = await startApp(
    { ...serverEnv(dbUrl), NEXTAUTH_SECRET: "e2e-api-secret-e2e-api-secret", ...env },
    "/icon.svg",
    200,
  );
  apps.push(app);
  return app.base;
}

let clientSeq = 0;
/** Each call its own client address, so only the rate-limit tests ever share a window. */
const get = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, {
    redirect: "manual",
    headers: { "x-forwarded-for": `198.51.100.${++clientSeq % 250}`, ...headers },
  });

function validator(component: string) {
  const v = ajv.getSchema(`https://vigil.test/openapi.json#/components/schemas/${component}`);
  if (!v) throw new Error(`no component ${component}`);
  return v;
}

/** Asserts a response against the OpenAPI document's declaration for that path and status. */
async function conforms(res: Response, template: string): Promise<Json | string | null> {
  const op = doc.paths[template]?.get;
  expect(op, template).toBeDefined();
  const declared = op.responses[String(res.status)];
  expect(declared, `${template} answered an undocumented ${res.status}`).toBeDefined();
  if (res.status === 304) {
    expect(await res.text()).toBe("");
    return null;
  }
  const type = (res.headers.get("content-type") ?? "").split(";")[0];
  const media = declared.content?.[type];
  expect(media, `${template} ${res.status} served undocumented ${type}`).toBeDefined();
  if (type === "text/csv") return res.text();
  const body = await res.json();
  const name = (media.schema.$ref as string).split("/").pop()!;
  const v = validator(name);
  expect(v(body), `${template} ${res.status}: ${JSON.stringify(v.errors?.slice(0, 3))}`).toBe(true);
  return body;
}

describe.skipIf(!canRun)("public API v1", () => {
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "vigil-api-"));
    dbName = `vigil_e2e_api_${process.pid}`;
    dbUrl = await createDatabase(serverUrl!, dbName);
    cli(["db", "migrate"]);
    cli(["backfill", "--to", "2026-01-25T00:00:00Z", "--demo-committee"]);
    [base, limitedA, limitedB, offline] = await Promise.all([
      startServer({ DATABASE_URL: dbUrl, API_RATE_LIMIT: "1000000" }),
      startServer({ DATABASE_URL: dbUrl, API_RATE_LIMIT: "5" }),
      startServer({ DATABASE_URL: dbUrl, API_RATE_LIMIT: "5" }),
      // Nothing listens on port 9: every query fails to connect.
      startServer({ DATABASE_URL: "postgres://postgres@127.0.0.1:9/none" }),
    ]);
    doc = await (await get(`${base}/api/v1/openapi.json`)).json();
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: "https://vigil.test/openapi.json", components: doc.components });
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stopApps(apps);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    if (dbName && serverUrl) await dropDatabase(serverUrl, dbName);
  });

  it("serves an OpenAPI 3.1 document that a maintained validator accepts, with every route and an example for every parameter", async () => {
    const result = await new Validator().validate(structuredClone(doc));
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe("3.1.0");
    // The routes the issue names, exactly.
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        "/markets",
        "/markets/{market}",
        "/markets/{market}/parameters/history",
        "/markets/{market}/risk",
        "/markets/{market}/backtests",
        "/markets/{market}/surface",
        "/markets/{market}/surface/iv",
        "/runs",
        "/runs/{id}",
        "/runs/latest",
        "/proposals",
        "/proposals/{id}",
        "/health",
        // The governance reads go through the same wrapper and are documented too.
        "/proposals/{id}/payload",
        "/proposals/{id}/review-request",
        "/audit",
        "/markets/{market}/what-if",
      ].sort(),
    );
    const names = (p: string) =>
      (doc.paths[p].get.parameters as Json[]).map((x) => `${x.in}:${x.name}`).sort();
    expect(names("/markets/{market}/risk")).toEqual(
      [
        "path:market",
        "query:format",
        "query:from",
        "query:horizon",
        "query:level",
        "query:method",
        "query:resolution",
        "query:to",
      ].sort(),
    );
    expect(names("/markets/{market}/surface/iv")).toEqual(
      ["path:market", "query:expiry", "query:run", "query:strike"].sort(),
    );
    expect(names("/runs")).toEqual(["query:cursor", "query:limit", "query:market", "query:status"]);
    expect(names("/proposals")).toEqual([
      "query:cursor",
      "query:limit",
      "query:market",
      "query:status",
    ]);
    for (const [path, item] of Object.entries(doc.paths) as [string, Json][])
      for (const p of item.get.parameters as Json[])
        expect(p.example, `${path} ${p.name} has an example`).toBeDefined();
  });

  it("answers every documented route with 200 and a body that validates against the document", async () => {
    const [run] = await query<{ id: number }>("select max(id)::int as id from runs");
    const [proposal] = await query<{ id: number }>("select min(id)::int as id from proposals");
    const surface = (await (
      await get(`${base}/api/v1/markets/deribit%3ABTC/surface`)
    ).json()) as Json;
    const e0 = surface.expiries[2];
    const concrete: Record<string, string> = {
      "/markets": "/markets",
      "/markets/{market}": "/markets/deribit:BTC",
      "/markets/{market}/parameters/history": "/markets/deribit:ETH/parameters/history",
      "/markets/{market}/risk": "/markets/deribit:BTC/risk?method=hs&level=0.99&horizon=1",
      "/markets/{market}/backtests": "/markets/deribit:BTC/backtests",
      "/markets/{market}/surface": `/markets/deribit:BTC/surface?run=${surface.runId}`,
      "/markets/{market}/surface/iv": `/markets/deribit:BTC/surface/iv?expiry=${e0.expiry}&strike=${Math.round(e0.forward)}`,
      "/runs": "/runs?limit=2",
      "/runs/{id}": `/runs/${run.id}`,
      "/runs/latest": "/runs/latest",
      "/proposals": "/proposals?limit=2",
      "/proposals/{id}": `/proposals/${proposal.id}`,
      "/health": "/health",
      "/proposals/{id}/payload": `/proposals/${proposal.id}/payload`,
      "/proposals/{id}/review-request": `/proposals/${proposal.id}/review-request?decision=reject&comment=too%20fast`,
      "/audit": "/audit?after=3&limit=5",
      "/markets/{market}/what-if":
        "/markets/deribit:ETH/what-if?parameter=perp.initialMarginFraction&level=0.995",
    };
    expect(Object.keys(concrete).sort()).toEqual(Object.keys(doc.paths).sort());
    for (const [template, path] of Object.entries(concrete)) {
      const res = await get(`${base}/api/v1${path}`);
      expect(res.status, path).toBe(200);
      await conforms(res, template);
    }
    // Each parameter's documented example is a valid input: never a 400.
    for (const [template, item] of Object.entries(doc.paths) as [string, Json][]) {
      const params = item.get.parameters as Json[];
      let path = template;
      const qs = new URLSearchParams();
      for (const p of params)
        if (p.in === "path") path = path.replace(`{${p.name}}`, encodeURIComponent(p.example));
        else if (p.name !== "cursor") qs.set(p.name, String(p.example));
      const res = await get(`${base}/api/v1${path}?${qs}`);
      expect([200, 404], `${template} with its examples: ${res.status}`).toContain(res.status);
      await conforms(res, template);
    }
  });

  it("produces every documented error status: 400 naming the field, 404, 429 and 503", async () => {
    const bad: [string, string, string][] = [
      ["/markets/{market}/risk", "/markets/deribit:BTC/risk?level=1.5", "level"],
      ["/markets/{market}/risk", "/markets/deribit:BTC/risk?horizon=4", "horizon"],
      ["/markets/{market}/risk", "/markets/deribit:BTC/risk?from=yesterday", "from"],
      ["/markets/{market}/risk", "/markets/deribit:BTC/risk?method=magic", "method"],
      ["/markets/{market}/risk", "/markets/deribit:BTC/risk?resolution=hourly", "resolution"],
      [
        "/markets/{market}/risk",
        "/markets/deribit:BTC/risk?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
        "from",
      ],
      ["/markets/{market}/backtests", "/markets/deribit:BTC/backtests?level=abc", "level"],
      [
        "/markets/{market}/parameters/history",
        "/markets/deribit:BTC/parameters/history?format=xml",
        "format",
      ],
      ["/markets/{market}/surface", "/markets/deribit:BTC/surface?run=3000000000", "run"],
      [
        "/markets/{market}/surface/iv",
        "/markets/deribit:BTC/surface/iv?expiry=2026-01-30T08:00:00Z",
        "strike",
      ],
      [
        "/markets/{market}/surface/iv",
        "/markets/deribit:BTC/surface/iv?strike=-1&expiry=2026-01-30T08:00:00Z",
        "strike",
      ],
      ["/runs", "/runs?limit=0", "limit"],
      ["/runs", "/runs?limit=201", "limit"],
      ["/runs", "/runs?status=done", "status"],
      ["/runs", "/runs?cursor=not-a-cursor", "cursor"],
      [
        "/runs",
        `/runs?cursor=${Buffer.from("2026-01-01T00:00:00.000Z|99999999999").toString("base64url")}`,
        "cursor",
      ],
      ["/runs", "/runs?market=BTC", "market"],
      ["/proposals", "/proposals?status=pending", "status"],
      ["/proposals", "/proposals?limit=1e3", "limit"],
      ["/proposals/{id}/review-request", "/proposals/1/review-request?decision=maybe", "decision"],
      [
        "/proposals/{id}/review-request",
        "/proposals/1/review-request?decision=approve&issuedAt=soon",
        "issuedAt",
      ],
      ["/audit", "/audit?limit=1001", "limit"],
      ["/audit", "/audit?after=-1", "after"],
    ];
    for (const [template, path, field] of bad) {
      const res = await get(`${base}/api/v1${path}`);
      expect(res.status, path).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      const body = (await conforms(res, template)) as Json;
      expect(body.field, path).toBe(field);
      expect(body.detail).toContain(field);
    }
    const missing: [string, string][] = [
      ["/markets/{market}", "/markets/deribit:DOGE"],
      ["/markets/{market}", "/markets/x%E0"],
      ["/markets/{market}", "/markets/not-a-market"],
      ["/markets/{market}/parameters/history", "/markets/kraken:BTC/parameters/history"],
      ["/markets/{market}/risk", "/markets/deribit:XRP/risk"],
      ["/markets/{market}/backtests", "/markets/deribit:XRP/backtests"],
      ["/markets/{market}/surface", "/markets/deribit:BTC/surface?run=999999"],
      [
        "/markets/{market}/surface/iv",
        "/markets/deribit:BTC/surface/iv?expiry=2020-01-01T00:00:00Z&strike=1",
      ],
      ["/runs/{id}", "/runs/3000000000"],
      ["/runs/{id}", "/runs/0"],
      ["/runs/{id}", "/runs/abc"],
      ["/runs/{id}", "/runs/999999"],
      ["/proposals/{id}", "/proposals/99999999999999999999"],
      ["/proposals/{id}", "/proposals/-1"],
      ["/proposals/{id}/payload", "/proposals/3000000000/payload"],
      ["/proposals/{id}/review-request", "/proposals/999999/review-request?decision=approve"],
    ];
    for (const [template, path] of missing) {
      const res = await get(`${base}/api/v1${path}`);
      expect(res.status, path).toBe(404);
      if (path.includes("%E0")) {
        // Caught by proxy.ts before routing, still a problem document.
        expect(res.headers.get("content-type")).toBe("application/problem+json");
        continue;
      }
      await conforms(res, template);
    }
    // The database is unreachable: 503 everywhere, the health body says so.
    for (const template of Object.keys(doc.paths)) {
      const path = template
        .replace("{market}", "deribit:BTC")
        .replace("{id}", "1")
        .concat(template.endsWith("/iv") ? "?expiry=2026-01-30T08:00:00Z&strike=1" : "")
        .concat(template.endsWith("/review-request") ? "?decision=approve" : "");
      const res = await get(`${offline}/api/v1${path}`);
      expect(res.status, path).toBe(503);
      const body = (await conforms(res, template)) as Json;
      if (template === "/health") expect(body.status).toBe("unavailable");
      else expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|password/);
    }
  });

  it("rate-limits per client in Postgres, across instances: 429 with Retry-After and RateLimit fields", async () => {
    const client = { "x-forwarded-for": "203.0.113.7" };
    const statuses: number[] = [];
    for (const url of [limitedA, limitedA, limitedA, limitedB, limitedB])
      statuses.push((await get(`${url}/api/v1/runs/latest`, client)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const ok = await get(`${limitedA}/api/v1/markets`, { "x-forwarded-for": "203.0.113.8" });
    expect(ok.status).toBe(200); // another client has its own window
    expect(ok.headers.get("ratelimit-policy")).toBe('"per-client";q=5;w=60');
    expect(ok.headers.get("ratelimit")).toMatch(/^"per-client";r=4;t=\d+$/);
    const over = await get(`${limitedB}/api/v1/runs/latest`, client);
    expect(over.status).toBe(429);
    const retry = Number(over.headers.get("retry-after"));
    expect(Number.isInteger(retry) && retry >= 1 && retry <= 60).toBe(true);
    expect(over.headers.get("ratelimit")).toMatch(/^"per-client";r=0;t=\d+$/);
    await conforms(over, "/runs/latest");
    const [row] = await query<{ n: number }>(
      "select sum(count)::int as n from api_rate_limits where client = $1",
      ["203.0.113.7"],
    );
    expect(row.n).toBe(6);
  });

  it("tags every GET with a strong ETag and answers a matching If-None-Match with 304", async () => {
    for (const path of [
      "/runs/1",
      "/runs/latest",
      "/markets/deribit:BTC/risk?format=csv",
      "/health",
    ]) {
      const first = await get(`${base}/api/v1${path}`);
      expect(first.status).toBe(200);
      const tag = first.headers.get("etag")!;
      expect(tag, path).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
      await first.arrayBuffer();
      const again = await get(`${base}/api/v1${path}`, { "if-none-match": tag });
      if (path === "/health") {
        // Its latency figure changes with every request, so its tag usually does too: a 200 is
        // right only for a body whose tag differs, a 304 only for the same one.
        if (again.status === 200) expect(again.headers.get("etag")).not.toBe(tag);
        else expect(again.status).toBe(304);
        continue;
      }
      expect(again.status, path).toBe(304);
      expect(again.headers.get("etag")).toBe(tag);
      expect(await again.text()).toBe("");
      expect(
        (await get(`${base}/api/v1${path}`, { "if-none-match": `"x", W/${tag}` })).status,
      ).toBe(304);
      expect((await get(`${base}/api/v1${path}`, { "if-none-match": '"other"' })).status).toBe(200);
    }
  });

  it("sends Cache-Control sized to the data, CORS on GET and preflight, and the security headers", async () => {
    const finished = await get(`${base}/api/v1/runs/1`);
    expect(finished.headers.get("cache-control")).toMatch(/s-maxage=31536000.*immutable/);
    const latest = await get(`${base}/api/v1/runs/latest`);
    const cc = latest.headers.get("cache-control")!;
    expect(cc).toMatch(/^public, /);
    const sMaxAge = Number(/s-maxage=(\d+)/.exec(cc)?.[1]);
    expect(sMaxAge).toBeGreaterThan(0);
    expect(sMaxAge).toBeLessThanOrEqual(3600); // never longer than the hourly schedule
    expect(cc).toMatch(/stale-while-revalidate=\d+/);
    for (const res of [finished, latest]) {
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("access-control-expose-headers")).toContain("ETag");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(res.headers.get("referrer-policy")).toBeTruthy();
      expect(res.headers.get("permissions-policy")).toBeTruthy();
    }
    const pre = await fetch(`${base}/api/v1/markets`, {
      method: "OPTIONS",
      headers: {
        origin: "https://integrator.example",
        "access-control-request-method": "GET",
        "access-control-request-headers": "if-none-match",
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
    expect(pre.headers.get("access-control-allow-methods")).toContain("GET");
    expect(pre.headers.get("access-control-allow-headers")?.toLowerCase()).toContain(
      "if-none-match",
    );
  });

  it("serves the values stored in the database: risk series, backtests and parameter history, in JSON and CSV", async () => {
    const json = (await (
      await get(`${base}/api/v1/markets/deribit:BTC/risk?method=hs&level=0.99&horizon=1`)
    ).json()) as Json;
    const rows = await query<{ run_id: number; var: number; es: number; as_of: Date }>(
      `select m.run_id, m.var, m.es, r.as_of from risk_metrics m join runs r on r.id = m.run_id
       where m.market_id = 'deribit:BTC' and m.method = 'hs' and m.level = 0.99 and m.horizon_days = 1
       order by r.as_of`,
    );
    expect(rows.length).toBe(4);
    // four weekly runs span 21 days: a point per run
    expect(json.resolution).toBe("run");
    expect(json.series.map((p: Json) => [p.runId, p.var, p.es, p.asOf])).toEqual(
      rows.map((r) => [r.run_id, r.var, r.es, r.as_of.toISOString()]),
    );
    const csvRes = await get(
      `${base}/api/v1/markets/deribit:BTC/risk?method=hs&level=0.99&horizon=1&format=csv`,
    );
    expect(csvRes.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const csv = parseCsv(await csvRes.text(), { columns: true }) as Record<string, string>[];
    expect(Object.keys(csv[0])).toEqual([
      "runId",
      "asOf",
      "method",
      "level",
      "horizonDays",
      "var",
      "es",
      "worseSide",
      "sampleSize",
      "windowFrom",
      "windowTo",
    ]);
    expect(csv.map((r) => [Number(r.runId), Number(r.var), Number(r.es)])).toEqual(
      rows.map((r) => [r.run_id, r.var, r.es]),
    );
    // Date filters bound the as-of times.
    const window = (await (
      await get(
        `${base}/api/v1/markets/deribit:BTC/risk?method=hs&level=0.99&horizon=1&from=${rows[1].as_of.toISOString()}&to=${rows[2].as_of.toISOString()}`,
      )
    ).json()) as Json;
    expect(window.series.map((p: Json) => p.runId)).toEqual([rows[1].run_id, rows[2].run_id]);
    // Asked for by day: the weekly runs fall on four days, so the same four points, said daily.
    const daily = (await (
      await get(`${base}/api/v1/markets/deribit:BTC/risk?method=hs&resolution=day`)
    ).json()) as Json;
    expect(daily.resolution).toBe("day");
    expect(daily.series.map((p: Json) => p.runId)).toEqual(rows.map((r) => r.run_id));

    const bt = await get(`${base}/api/v1/markets/deribit:ETH/backtests?format=csv&method=hs`);
    const btRows = parseCsv(await bt.text(), { columns: true }) as Record<string, string>[];
    const [stored] = await query<{ details: Json; level: number }>(
      `select b.details, b.level from backtests b where b.market_id = 'deribit:ETH' and b.method = 'hs'
       and b.run_id = (select max(run_id) from backtests where market_id = 'deribit:ETH') order by b.level limit 1`,
    );
    const mine = btRows.filter((r) => Number(r.level) === stored.level);
    expect(mine.length).toBe(stored.details.series.length);
    expect(mine.map((r) => [r.date, Number(r.longLoss), Number(r.shortLoss)])).toEqual(
      stored.details.series.map((d: Json) => [d.date, d.loss, d.shortLoss]),
    );

    const hist = (await (
      await get(`${base}/api/v1/markets/deribit:BTC/parameters/history`)
    ).json()) as Json;
    const values = await query<{
      value: number;
      proposal_id: number | null;
      executed_by: string | null;
    }>(
      `select v.value, v.proposal_id, e.executed_by from parameter_values v
       join parameters p on p.id = v.parameter_id left join executions e on e.id = v.execution_id
       where p.market_id = 'deribit:BTC' and p.name = 'perp.maintenanceMarginFraction'
       order by v.effective_at, v.id`,
    );
    const mm = hist.parameters.find((p: Json) => p.name === "perp.maintenanceMarginFraction");
    expect(values.length).toBeGreaterThan(1); // genesis and at least one execution
    expect(
      mm.values.map((v: Json) => [v.value, v.proposalId, v.execution?.executor ?? null]),
    ).toEqual(values.map((v) => [v.value, v.proposal_id, v.executed_by]));
    const histCsv = parseCsv(
      await (await get(`${base}/api/v1/markets/deribit:BTC/parameters/history?format=csv`)).text(),
      { columns: true },
    ) as Record<string, string>[];
    expect(
      histCsv
        .filter((r) => r.name === "perp.maintenanceMarginFraction")
        .map((r) => Number(r.value)),
    ).toEqual(values.map((v) => v.value));
  });

  it("pages runs and proposals by cursor: every row once, newest first, filters applied", async () => {
    const walk = async (path: string, key: "runs" | "proposals") => {
      const ids: number[] = [];
      let next: string | null = null;
      do {
        const sep = path.includes("?") ? "&" : "?";
        const url: string = `${base}/api/v1${path}${sep}limit=1${next ? `&cursor=${next}` : ""}`;
        const body = (await (await get(url)).json()) as Json;
        ids.push(...body[key].map((x: Json) => x.id));
        next = body.next;
      } while (next);
      return ids;
    };
    const runs = await query<{ id: number }>("select id from runs order by as_of desc, id desc");
    expect(await walk("/runs", "runs")).toEqual(runs.map((r) => r.id));
    const eth = await query<{ id: number }>(
      `select id from runs r where status = 'succeeded' and exists
       (select 1 from run_markets m where m.run_id = r.id and m.market_id = 'deribit:ETH') order by as_of desc, id desc`,
    );
    expect(await walk("/runs?market=deribit:ETH&status=succeeded", "runs")).toEqual(
      eth.map((r) => r.id),
    );
    const props = await query<{ id: number }>(
      "select id from proposals where market_id = 'deribit:BTC' order by created_at desc, id desc",
    );
    expect(props.length).toBeGreaterThan(1);
    expect(await walk("/proposals?market=deribit:BTC", "proposals")).toEqual(
      props.map((p) => p.id),
    );
    const one = (await (await get(`${base}/api/v1/proposals/${props[0].id}`)).json()) as Json;
    const reviews = await query<{ member_address: string; signature: string }>(
      "select member_address, signature from reviews where proposal_id = $1 order by issued_at, id",
      [props[0].id],
    );
    expect(one.reviews.map((r: Json) => [r.member, r.signature])).toEqual(
      reviews.map((r) => [r.member_address, r.signature]),
    );
  });

  it("evaluates the published surface at any strike exactly as `vigil calibrate --eval` does", async () => {
    const latest = (await (await get(`${base}/api/v1/runs/latest`)).json()) as Json;
    const btc = latest.markets.find((m: Json) => m.marketId === "deribit:BTC");
    const surface = (await (
      await get(`${base}/api/v1/markets/deribit:BTC/surface?run=${latest.run.id}`)
    ).json()) as Json;
    const rows: { expiry: string; strike: number }[] = [];
    for (const e of surface.expiries)
      for (const m of [0.5, 0.8, 0.97, 1, 1.03, 1.25, 2.5])
        rows.push({ expiry: e.expiry, strike: Math.round(e.forward * m * 100) / 100 });
    const evalFile = join(tmp, "eval.csv");
    writeFileSync(
      evalFile,
      "expiry,strike\n" + rows.map((r) => `${r.expiry},${r.strike}`).join("\n"),
    );
    const out = JSON.parse(
      cli([
        "calibrate",
        "data/deribit_options_weekly_BTC.csv",
        "--at",
        btc.capturedAt,
        "--model",
        "published",
        "--eval",
        evalFile,
        "--json",
      ]),
    ) as { evaluated: { expiry: string; strike: number; iv: number | null }[] };
    expect(out.evaluated.length).toBe(rows.length);
    let finite = 0;
    for (const e of out.evaluated) {
      const res = await get(
        `${base}/api/v1/markets/deribit:BTC/surface/iv?run=${latest.run.id}&expiry=${e.expiry}&strike=${e.strike}`,
      );
      expect(res.status).toBe(200);
      const api = (await conforms(res, "/markets/{market}/surface/iv")) as Json;
      if (e.iv === null) expect(api.iv).toBeNull();
      else {
        finite++;
        expect(Math.abs(api.iv - e.iv), `${e.expiry} K=${e.strike}`).toBeLessThanOrEqual(1e-12);
      }
    }
    expect(finite).toBeGreaterThan(rows.length / 2);
  });

  it("health: database reachable and each market's latest run age measured from now", async () => {
    const before = Date.now();
    const body = (await (await get(`${base}/api/v1/health`)).json()) as Json;
    const after = Date.now();
    expect(body.database.reachable).toBe(true);
    const [latest] = await query<{ id: number; as_of: Date }>(
      "select id, as_of from runs order by as_of desc, id desc limit 1",
    );
    for (const m of body.markets) {
      expect(m.latestRunId).toBe(latest.id);
      expect(m.ageHours).toBeGreaterThanOrEqual((before - latest.as_of.getTime()) / 3_600_000);
      expect(m.ageHours).toBeLessThanOrEqual((after - latest.as_of.getTime()) / 3_600_000);
    }
    // The bundled history is months old: the hourly schedule is not being met.
    expect(body.status).toBe("stale");
  });

  it("public reasons carry a category and a short message, never raw error text", async () => {
    const raw = 'duplicate key value violates unique constraint "runs_pkey" at 10.0.0.5:5432';
    await query(
      `insert into runs (run_key, job, slot, as_of, trigger, status, reason, code_version, config_hash, config)
       values ('test:raw', 'test', '2020-01-01', '2020-01-01', 'manual', 'failed', $1, 'x', 'x', '{}'),
              ('test:deadline', 'test', '2020-01-02', '2020-01-02', 'manual', 'failed', $2, 'x', 'x', '{}')`,
      [raw, "deadline: deribit:BTC did not finish within 240 s"],
    );
    const body = (await (await get(`${base}/api/v1/runs?status=failed`)).json()) as Json;
    const byKey = Object.fromEntries(body.runs.map((r: Json) => [r.runKey, r]));
    expect(byKey["test:raw"].reason.category).toBe("internal");
    expect(JSON.stringify(byKey["test:raw"])).not.toContain("duplicate key");
    expect(JSON.stringify(byKey["test:raw"])).not.toContain("10.0.0.5");
    expect(byKey["test:deadline"].reason).toEqual({
      category: "deadline",
      message: "deribit:BTC did not finish within 240 s",
    });
    const page = await (await get(`${base}/runs`)).text();
    expect(page).not.toContain("duplicate key");
  });

  it("fuzz: paths, ids and query strings never get a 5xx", async () => {
    const segment = fc.oneof(
      fc.string({ maxLength: 12 }).map(encodeURIComponent),
      fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }).map(String),
      fc.constantFrom(
        "deribit:BTC",
        "deribit%3AETH",
        "x%E0",
        "%",
        "%ZZ",
        "%C0%AF",
        "..",
        "%00",
        "latest",
        "NaN",
        "1e309",
        "0x10",
      ),
      fc.integer({ min: 0, max: 2 ** 31 + 5 }).map(String),
    );
    const value = fc.oneof(
      fc.string({ maxLength: 16 }),
      fc.double().map(String),
      fc.constantFrom(
        "",
        "0",
        "-1",
        "1e999",
        "NaN",
        "0.99",
        "csv",
        "json",
        "hs",
        "2026-01-07T09:21:55Z",
        "2026-13-45",
        "%E0",
        "perp.fundingRateCap",
        "options.scanRangeFraction",
        "collateral.haircut",
        "30",
        "1e10",
      ),
    );
    const key = fc.constantFrom(
      "parameter",
      "horizonDays",
      "referencePositionUsd",
      "run",
      "expiry",
      "strike",
      "from",
      "to",
      "method",
      "level",
      "horizon",
      "format",
      "market",
      "status",
      "cursor",
      "limit",
      "x",
    );
    const path = fc.oneof(
      fc
        .tuple(
          fc.constantFrom(
            "/api/v1/markets/$",
            "/api/v1/markets/$/risk",
            "/api/v1/markets/$/backtests",
            "/api/v1/markets/$/surface",
            "/api/v1/markets/$/surface/iv",
            "/api/v1/markets/$/parameters/history",
            "/api/v1/markets/$/what-if",
            "/api/v1/runs/$",
            "/api/v1/proposals/$",
            "/api/v1/$",
            "/markets/$",
            "/runs/$",
            "/proposals/$",
          ),
          segment,
        )
        .map(([t, s]) => t.replace("$", s)),
      fc.constantFrom(
        "/api/v1/runs",
        "/api/v1/proposals",
        "/api/v1/markets/deribit:BTC/risk",
        "/api/v1/markets/deribit:BTC/surface/iv",
        "/api/v1/health",
        "/api/v1/markets/deribit:BTC/what-if",
        "/api/v1/markets/deribit:ETH/what-if?parameter=collateral.haircut",
      ),
    );
    const request = fc.tuple(path, fc.array(fc.tuple(key, value), { maxLength: 4 }));
    const seen: string[] = [];
    await fc.assert(
      fc.asyncProperty(request, async ([p, qs]) => {
        const q = qs
          .map(([k, v]) => `${k}=${v.includes("%") ? v : encodeURIComponent(v)}`)
          .join("&");
        const url = `${base}${p}${q ? `?${q}` : ""}`;
        let status: number;
        try {
          const res = await get(url);
          status = res.status;
          await res.arrayBuffer();
        } catch {
          return true; // a URL the client itself refuses never reaches the server
        }
        seen.push(`${status}`);
        if (status >= 500) throw new Error(`${status} for ${url}`);
        return true;
      }),
      { numRuns: 500 },
    );
    expect(seen.length).toBeGreaterThan(450);
    expect(seen.filter((s) => Number(s) >= 500)).toEqual([]);
  }, 240_000);

  it("renders the API reference at /docs/api under the site's CSP without console errors", async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    page.on("pageerror", (e) => errors.push(e.message));
    const external: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(base) && !r.url().startsWith("data:")) external.push(r.url());
    });
    const res = await page.goto(`${base}/docs/api`, { waitUntil: "networkidle" });
    expect(res?.status()).toBe(200);
    expect(res?.headers()["content-security-policy"]).toContain("default-src 'self'");
    await page.getByText("Vigil public API").first().waitFor({ timeout: 30_000 });
    await page.getByText("VaR / ES series (worse side of long and short) by run").first().waitFor();
    expect(errors).toEqual([]);
    expect(external).toEqual([]);
    await page.close();
  });
});
