// Shared by the browser tests: Debian's Chromium driven by playwright-core, a free port, and
// waiting for a server to answer.
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** In CI the browser suites must run (a skipped browser test proves nothing); locally they need a build. */
export const browserTestsCanRun =
  Boolean(process.env.CI) ||
  (existsSync(CHROMIUM) && existsSync(join(process.cwd(), ".next/BUILD_ID")));

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers below 500 (or with `status` when given). */
export async function waitFor(url: string, ms: number, status?: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const r = await fetch(url);
      if (status === undefined ? r.status < 500 : r.status === status) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not come up in ${ms} ms`);
}

/** Headless Chromium without the background traffic a closed network refuses. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
