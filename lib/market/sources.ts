import { DeribitSource } from "./deribit";
import { ReplaySource } from "./replay";
import type { MarketSource } from "./types";

let replay: ReplaySource | undefined;

/** The market source named by MARKET_SOURCE: `replay` (default, bundled recorded data) or `deribit`. */
export function sourceFromEnv(env: Record<string, string | undefined> = process.env): MarketSource {
  const name = env.MARKET_SOURCE ?? "replay";
  if (name === "replay") return replaySource();
  if (name === "deribit") return new DeribitSource({}, env);
  throw new Error(`MARKET_SOURCE must be 'replay' or 'deribit' (got '${name}')`);
}

export function replaySource(): ReplaySource {
  return (replay ??= new ReplaySource());
}
