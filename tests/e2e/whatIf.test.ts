// The what-if in the browser and its API: one replay run into a fresh embedded database, the
// production build served with `next start`, the market and proposal pages in headless Chromium.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WhatIfResponseSchema } from "../../lib/api/whatIf";
import { pgliteEnv, startApp, stopApps, vigil, type App } from "../helpers/app";
import { browserTestsCanRun, launchChromium } from "../helpers/browser";

let dir: string;
let app: App | undefined;
let browser: Browser | undefined;
let base: string;
const BTC = encodeURIComponent("deribit:BTC");

describe.skipIf(!browserTestsCanRun)("what-if", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vigil-whatif-"));
    const env = pgliteEnv(join(dir, "pglite"));
    vigil(["run", "--once", "--at", "2026-08-19T12:00:00Z", "--json"], env);
    app = await startApp({ ...env, NEXTAUTH_SECRET: "e2e-session-secret" }, "/api/v1/runs/latest");
    base = app.base;
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stopApps([app]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const api = (market: string, query: string) =>
    fetch(`${base}/api/v1/markets/${market}/what-if?${query}`);

  it("answers with the schema's shape; different knobs, different numbers", async () => {
    const a = await api(BTC, "parameter=perp.maintenanceMarginFraction");
    expect(a.status).toBe(200);
    const base99 = WhatIfResponseSchema.parse(await a.json());
    expect(base99.policy).toMatchObject({ kind: "es-margin", method: "hs", level: 0.99 });
    // the value in force is the genesis 5 % (nothing executed)
    expect(base99.current).toBe(0.05);
    expect(base99.liquidity.source).toBe("constant");
    const b = WhatIfResponseSchema.parse(
      await (await api(BTC, "parameter=perp.maintenanceMarginFraction&level=0.975")).json(),
    );
    expect(b.target).toBeLessThan(base99.target);
    expect(b.backtest.shortfallRate).toBeGreaterThanOrEqual(base99.backtest.shortfallRate);
  }, 60_000);

  it("refuses bad knobs with a problem naming the field, and an unknown market with 404", async () => {
    for (const [query, field] of [
      ["level=0.99", "parameter"],
      ["parameter=perp.nope", "parameter"],
      ["parameter=collateral.haircut&level=2", "level"],
      ["parameter=collateral.haircut&horizonDays=4", "horizonDays"],
      ["parameter=collateral.haircut&method=magic", "method"],
      ["parameter=collateral.haircut&referencePositionUsd=-1", "referencePositionUsd"],
    ]) {
      const r = await api(BTC, query);
      expect(r.status, query).toBe(400);
      expect(r.headers.get("content-type")).toBe("application/problem+json");
      expect((await r.json()).field, query).toBe(field);
    }
    expect(
      (await api(encodeURIComponent("deribit:DOGE"), "parameter=collateral.haircut")).status,
    ).toBe(404);
    expect((await api("x%E0", "parameter=collateral.haircut")).status).toBe(404);
  }, 60_000);

  async function open(path: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    page.on("pageerror", (e) => errors.push(e.message));
    const res = await page.goto(base + path, { waitUntil: "networkidle" });
    expect(res?.status(), path).toBe(200);
    return { page, errors };
  }

  it("the market page's what-if changes the numbers shown when a knob changes", async () => {
    const { page, errors } = await open(`/markets/${BTC}`);
    const w = page.getByTestId("what-if");
    const target = w.getByTestId("what-if-target");
    await expect(target.textContent()).resolves.toMatch(/\d+\.\d{3} %/);
    const before = await target.textContent();
    const rate = await w.getByTestId("what-if-shortfall-rate").textContent();
    expect(
      await page.getByTestId("policy-backtest-chart").locator(".recharts-wrapper").count(),
    ).toBe(1);
    await w.getByTestId("what-if-level").fill("0.975");
    await page.waitForFunction(
      (b) => document.querySelector('[data-testid="what-if-target"]')?.textContent !== b,
      before,
      { timeout: 30_000 },
    );
    expect(await target.textContent()).not.toBe(before);
    // another parameter: the funding cap's quantile
    await w.getByTestId("what-if-parameter").selectOption("perp.fundingRateCap");
    await page.waitForFunction(
      () =>
        /quantile of \|funding\|/.test(
          document.querySelector('[data-testid="what-if"]')?.textContent ?? "",
        ),
      undefined,
      { timeout: 30_000 },
    );
    expect(rate).toMatch(/\d+\.\d\d %/);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it("the proposal page shows the what-if for its first change and each change's policy formula", async () => {
    const { page, errors } = await open("/proposals/1");
    await expect(page.getByTestId("what-if-parameter").inputValue()).resolves.toBe(
      "perp.maintenanceMarginFraction",
    );
    await page.waitForSelector('[data-testid="what-if-target"]', { timeout: 30_000 });
    const traces = await page.getByTestId("guardrail-trace").allTextContents();
    expect(traces).toHaveLength(6);
    expect(traces.join(" ")).toMatch(/Policy: ES [\d.]+ % \+ liquidity add-on/);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
