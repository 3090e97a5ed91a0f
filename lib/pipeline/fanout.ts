// Fan-out on Vercel: the cron invocation claims the slot's run, then POSTs each market to
// /api/cron/market (authenticated with the cron secret), so every market's work runs in its own
// function invocation with its own maxDuration. Self-hosted, markets run in-process instead.
import type { MarketDispatch } from "./run";

/** `http` (each market in its own invocation) on Vercel, `inline` elsewhere; RUN_FANOUT overrides. */
export function fanoutMode(
  env: Record<string, string | undefined> = process.env,
): "http" | "inline" {
  const mode = env.RUN_FANOUT?.trim() || (env.VERCEL === "1" ? "http" : "inline");
  if (mode !== "http" && mode !== "inline") {
    throw new Error(`RUN_FANOUT must be http or inline (got '${mode}')`);
  }
  return mode;
}

/**
 * Dispatches each market by POSTing `{runId, market}` to `endpoint` with the cron secret, and
 * waits for the worker's answer; a worker that fails or does not answer leaves its market
 * without a result (the run is abandoned after its lease, and the slot's next delivery redoes it).
 */
export function httpDispatch(endpoint: URL, secret: string, timeoutMs: number): MarketDispatch {
  return async (run, market) => {
    const res = await fetch(endpoint, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify({ runId: run.id, market: market.id }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) throw new Error(`market worker for ${market.id}: HTTP ${res.status}`);
  };
}
