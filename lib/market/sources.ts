import { ReplaySource } from "./replay";
import type { MarketSource } from "./types";

let replay: ReplaySource | undefined;

/** The market source named by MARKET_SOURCE (default: the bundled recorded replay). */
export function sourceFromEnv(env: Record<string, string | undefined> = process.env): MarketSource {
  const name = env.MARKET_SOURCE ?? "replay";
  if (name === "replay") return (replay ??= new ReplaySource());
  throw new Error(`MARKET_SOURCE must be 'replay' (got '${name}')`);
}

export function replaySource(): ReplaySource {
  return (replay ??= new ReplaySource());
}
