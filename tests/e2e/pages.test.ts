// End to end: backfill the bundled history into a fresh embedded database, serve the production
// build with `next start`, and open every page in headless Chromium.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pgliteEnv, startApp, stopApps, vigil, type App } from "../helpers/app";
import { browserTestsCanRun, launchChromium } from "../helpers/browser";

const SHOTS = join(process.cwd(), "tests/e2e/screenshots");
const canRun = browserTestsCanRun;
let dir: string;
let app: App | undefined;
let browser: Browser | undefined;
let base: string;
let backfill: { runs: number; succeeded: number; proposals: number; runIds: number[] };

describe.skipIf(!canRun)("pages in headless Chromium", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vigil-e2e-"));
    const env = pgliteEnv(join(dir, "pglite"));
    backfill = JSON.parse(vigil(["backfill", "--json"], env));
    app = await startApp(
      { ...env, CRON_SECRET: "e2e-secret", NEXTAUTH_SECRET: "e2e-session-secret" },
      "/api/v1/runs/latest",
    );
    base = app.base;
    browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await stopApps([app]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Opens a page, fails on console errors or HTTP errors, saves a screenshot. */
  async function visit(path: string, shot: string): Promise<Page> {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    page.on("pageerror", (e) => errors.push(e.message));
    const res = await page.goto(base + path, { waitUntil: "networkidle" });
    expect(res?.status(), path).toBe(200);
    await page.screenshot({ path: join(SHOTS, `${shot}.png`), fullPage: true });
    expect(errors, `console errors on ${path}`).toEqual([]);
    return page;
  }

  it("backfilled every bundled weekly snapshot as a run", () => {
    expect(backfill.runs).toBe(34);
    expect(backfill.succeeded).toBe(34);
    expect(backfill.proposals).toBeGreaterThan(0);
  });

  it("overview shows both markets, their parameters, the latest run and open proposals", async () => {
    const page = await visit("/", "overview");
    const cards = page.getByTestId("market-card");
    await expect(cards.count()).resolves.toBe(2);
    const text = await page.textContent("main");
    expect(text).toContain("deribit:BTC");
    expect(text).toContain("deribit:ETH");
    expect(text).toMatch(/perp\.maintenanceMarginFraction\s*\d+\.\d\d %/);
    expect(await page.getByTestId("latest-run").textContent()).toContain("2026-08-19 09:42 UTC");
    const open = await page.getByTestId("open-proposals").locator("tbody tr").count();
    expect(open).toBeGreaterThan(0);
    // Model risk at a glance: one row per market, each metric linking to its chart.
    const glance = page.getByTestId("model-risk-glance");
    expect(await glance.locator("tbody tr").count()).toBe(2);
    const hrefs = await glance
      .locator("a")
      .evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    for (const anchor of [
      "backtests",
      "fit-error",
      "out-of-sample",
      "method-spread",
      "model-risk-index",
    ]) {
      expect(hrefs).toContain(`/markets/${encodeURIComponent("deribit:BTC")}#${anchor}`);
    }
    expect(await glance.textContent()).toMatch(/\d+\.\d %/);
    await page.close();
  });

  it("market page plots the term structure and the history across runs", async () => {
    const page = await visit(`/markets/${encodeURIComponent("deribit:BTC")}`, "market-btc");
    const rows = await page.getByTestId("term-structure").locator("tbody tr").count();
    expect(rows).toBeGreaterThanOrEqual(8);
    expect(await page.getByTestId("term-structure").textContent()).toMatch(/\d+\.\d\d %/);
    // Term structure, backtest series of each side, 30d ATM history, fit-error history,
    // out-of-sample error, quotes per run, Heston and Bates parameters, the model-risk index,
    // model-risk spread, ES and VaR by method, the policy backtest, and one smile per expiry.
    const smiles = await page.getByTestId("smiles").locator(".card").count();
    expect(smiles).toBe(rows);
    await page.getByTestId("policy-backtest-chart").waitFor();
    expect(await page.locator(".recharts-wrapper").count()).toBe(14 + smiles);
    // Every entry of the table of contents has its anchor on the page.
    const toc = await page
      .getByTestId("toc")
      .locator("a")
      .evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    expect(toc.length).toBeGreaterThanOrEqual(10);
    for (const href of toc) expect(await page.locator(href!).count(), href!).toBe(1);
    expect(await page.getByTestId("model-risk-index").textContent()).toMatch(
      /Latest run: \d+\.\d %/,
    );
    expect(await page.getByTestId("sv-heston-latest").textContent()).toMatch(/kappa/);
    // Legends are HTML above each plot, never inside it.
    const overlaps = await page.locator(".chart-figure").evaluateAll(
      (figs) =>
        figs.filter((f) => {
          const legend = f.querySelector(".chart-legend")!.getBoundingClientRect();
          const plot = f.querySelector(".chart")!.getBoundingClientRect();
          return legend.bottom > plot.top + 0.5;
        }).length,
    );
    expect(overlaps).toBe(0);
    expect(await page.getByTestId("model-risk").textContent()).toMatch(
      /Latest run: .* drives perp\.maintenanceMarginFraction \(.*\); range across all methods \d+\.\d\d %/,
    );
    const zones = await page.getByTestId("backtests").locator("tbody tr .badge").allTextContents();
    expect(zones).toHaveLength(5);
    for (const z of zones) expect(["green", "yellow", "red"]).toContain(z);
    expect(await page.getByTestId("surface-diagnostics").textContent()).toMatch(
      /RMSE \d\.\d\d vol points .* 0 butterfly and 0 calendar violations/,
    );
    expect(await page.getByTestId("fit-diagnostics").locator("tbody tr").count()).toBe(rows);
    expect(await page.textContent("main")).toContain("34 runs");
    await page.close();
  });

  it("runs list and a run's stages with timings", async () => {
    const list = await visit("/runs", "runs");
    expect(await list.getByTestId("runs").locator("tbody tr").count()).toBe(34);
    await list.close();
    const id = backfill.runIds.at(-1)!;
    const page = await visit(`/runs/${id}`, "run");
    const stages = await page.getByTestId("stages").first().locator("tbody tr").allTextContents();
    expect(stages.map((s) => s.split(/ok|degraded|failed|skipped/)[0])).toEqual([
      "ingest",
      "calibrate",
      "assess",
      "propose",
    ]);
    expect(await page.getByTestId("risk").first().textContent()).toMatch(/99\.0 %.*\d+\.\d\d %/);
    const targets = await page.getByTestId("targets").first().locator("tbody tr").allTextContents();
    // the six governed parameters' targets, as the propose stage derived them
    expect(targets.map((t) => t.split(/\d/)[0])).toEqual([
      "perp.maintenanceMarginFraction",
      "perp.initialMarginFraction",
      "perp.fundingRateCap",
      "options.scanRangeFraction",
      "options.volShockFraction",
      "collateral.haircut",
    ]);
    const stress = await page.getByTestId("stress").first().textContent();
    expect(stress).toMatch(/worst 1-day fall \(long side\) in the history\d+\.\d\d %/);
    expect(stress).toMatch(/worst 1-day rise \(short side\) in the history\d+\.\d\d %/);
    expect(stress).toMatch(/short 1-coin ATM straddle/);
    const surfaces = await page
      .getByTestId("surfaces")
      .first()
      .locator("tbody tr")
      .allTextContents();
    expect(surfaces).toHaveLength(2);
    expect(surfaces[0]).toMatch(/^published0\.\d\d\d+\.\d %00\d+\.\d ms/);
    // The data-quality report: age, counts, drops by reason with examples, coverage per expiry.
    const quality = page.getByTestId("quality").first();
    expect(await quality.textContent()).toMatch(
      /data age at the run\d+ min \(captured 2026-08-19 \d\d:\d\d UTC, limit 24\.0 h\)/,
    );
    expect(await quality.textContent()).toMatch(/\d+ in the book, \d+ usable after cleaning/);
    const drops = await page
      .getByTestId("quality-drops")
      .first()
      .locator("tbody tr")
      .allTextContents();
    expect(drops.some((d) => /^one-sided\d+BTC-/.test(d))).toBe(true);
    const coverage = await page.getByTestId("quality-coverage").first().locator("tbody tr").count();
    expect(coverage).toBeGreaterThanOrEqual(8);
    await page.close();
  });

  it("a proposal shows current vs proposed, rationale with numbers and evidence", async () => {
    const res = await fetch(`${base}/api/v1/runs/latest`);
    expect(res.status).toBe(200);
    const latest = await res.json();
    for (const m of latest.markets) {
      expect(m.quality.usable).toBeGreaterThan(100);
      expect(m.quality.usable).toBeLessThan(m.quality.quotes);
      expect(m.quality.stale).toBe(false);
    }
    const page = await visit("/", "overview-2");
    const href = await page
      .getByTestId("open-proposals")
      .locator("tbody tr a")
      .first()
      .getAttribute("href");
    await page.close();
    const p = await visit(href!, "proposal");
    expect(await p.getByTestId("changes").textContent()).toMatch(/\d+\.\d\d %.*\d+\.\d\d %/);
    const rationale = await p.getByTestId("rationale").textContent();
    expect(rationale).toMatch(/Expected Shortfall at 99\.0 %/);
    expect(rationale).toMatch(/\d+\.\d\d %/);
    await p.close();
  });

  // Before the cron test: its run, as of now, expires every open proposal (TTL in data time).
  it("committee and audit pages: the queue with quorum progress, no members yet, the chain's head", async () => {
    const c = await visit("/committee", "committee");
    const queue = await c.getByTestId("queue").locator("tbody tr").allTextContents();
    expect(queue.length).toBeGreaterThan(0);
    for (const row of queue) expect(row).toMatch(/0\/2 approve/);
    expect(await c.textContent("main")).toContain("No members yet");
    expect(await c.getByTestId("sign-in").textContent()).toBe("Sign in with Ethereum");
    await c.close();
    const a = await visit("/audit", "audit");
    expect(await a.getByTestId("audit-head").textContent()).toMatch(
      /Head: event \d+, hash [0-9a-f]{64}/,
    );
    const kinds = await a
      .getByTestId("audit-events")
      .locator("tbody tr td:nth-child(3)")
      .allTextContents();
    expect(kinds).toContain("run.recorded");
    expect(kinds).toContain("proposal.reaffirmed");
    await a.close();
    const md = await fetch(`${base}/proposals/1/arfc.md`);
    expect(md.headers.get("content-type")).toMatch(/^text\/markdown/);
    const text = await md.text();
    expect(text).toMatch(/^# \[ARFC\] /);
    for (const section of [
      "## Summary",
      "## Motivation",
      "## Specification",
      "## References",
      "## Disclaimer",
      "## Copyright",
    ])
      expect(text).toContain(section);
    expect(text).toMatch(
      /\| deribit:BTC \| perp\.maintenanceMarginFraction \| 5\.00 % \| 6\.25 % \|/,
    );
  });

  it("the cron route runs one job per slot even when delivered twice at once", async () => {
    const call = () =>
      fetch(`${base}/api/cron/run`, { headers: { authorization: "Bearer e2e-secret" } });
    const [a, b] = await Promise.all([call(), call()]);
    const [j1, j2] = [await a.json(), await b.json()];
    expect(j1.runId).toBe(j2.runId);
    // One delivery ran the slot; the other answered at once with the run as it stood (its worker
    // holding the lease: `running`, or already ended).
    const ran = [j1, j2].filter((j) => !j.replayed);
    expect(ran).toHaveLength(1);
    const [ja] = ran;
    const other = ja === j1 ? j2 : j1;
    expect(["running", ja.status]).toContain(other.status);
    expect(ja.runKey).toMatch(/^hourly:\d{4}-\d\d-\d\dT\d\d:00:00\.000Z$/);
    // The bundled data ends 2026-08-19: as of now it is stale, so the run is degraded, not a proposal.
    expect(ja.status).toBe("degraded");
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(ja.markets.every((m: { proposals: number[] }) => m.proposals.length === 0)).toBe(true);
    // Its run page says why: the gate, from the data-quality report.
    const page = await visit(`/runs/${ja.runId}`, "run-stale");
    expect(await page.getByTestId("quality-warnings").first().textContent()).toMatch(
      /gate snapshot is \d+\.\d h old at the run's as-of time \(limit 24 h\)/,
    );
    const stages = await page.getByTestId("stages").first().locator("tbody tr").allTextContents();
    expect(stages).toEqual([
      expect.stringMatching(/^ingestdegraded/),
      expect.stringMatching(/^calibrateskipped/),
      expect.stringMatching(/^assessok/),
      expect.stringMatching(/^proposeskipped/),
    ]);
    await page.close();
  });

  it("unknown run and proposal ids give 404, the cron route refuses a wrong secret", async () => {
    // Out of the int4 range, beyond a double's integers, broken percent-encoding: 404, never 500.
    for (const path of [
      "/runs/999999",
      "/runs/3000000000",
      "/proposals/abc",
      "/proposals/3000000000",
      "/proposals/99999999999999999999",
      "/markets/x%E0",
      "/markets/deribit%3ADOGE",
      "/api/v1/proposals/3000000000/payload",
      "/proposals/99999999999999999999/arfc.md",
    ])
      expect((await fetch(base + path)).status, path).toBe(404);
    const denied = await fetch(`${base}/api/cron/run`, {
      headers: { authorization: "Bearer wrong" },
    });
    expect(denied.status).toBe(401);
    expect(await denied.json()).toHaveProperty("error");
  });

  it("every page and route carries the security headers (the pages above ran under this CSP)", async () => {
    for (const path of ["/", "/committee", "/api/v1/runs/latest", "/api/auth/nonce", "/runs/1"]) {
      const h = (await fetch(base + path)).headers;
      expect(h.get("content-security-policy"), path).toMatch(/frame-ancestors 'none'/);
      expect(h.get("content-security-policy"), path).not.toMatch(/unsafe-eval/);
      expect(h.get("x-content-type-options"), path).toBe("nosniff");
      expect(h.get("referrer-policy"), path).toBe("strict-origin-when-cross-origin");
      expect(h.get("permissions-policy"), path).toMatch(/camera=\(\)/);
      expect(h.get("strict-transport-security"), path).toMatch(/max-age=\d+/);
    }
  });
});
