import { DeribitSource } from "./deribit";
import { ReplaySource } from "./replay";
import { SIMULATION_START, SimulatorSource } from "./simulator";
import type { MarketSource } from "./types";

const DAY_MS = 86_400_000;
let replay: ReplaySource | undefined;

export const SOURCE_NAMES = ["replay", "deribit", "simulator"] as const;

/**
 * The market source named by MARKET_SOURCE: `replay` (default, the bundled recorded data),
 * `deribit` (live public API) or `simulator` (seeded by SIMULATOR_SEED, default 1).
 */
export function sourceFromEnv(env: Record<string, string | undefined> = process.env): MarketSource {
  const name = env.MARKET_SOURCE ?? "replay";
  if (name === "replay") return replaySource();
  if (name === "deribit") return new DeribitSource({}, env);
  if (name === "simulator") {
    const seed = Number(env.SIMULATOR_SEED ?? 1);
    if (!Number.isSafeInteger(seed)) {
      throw new Error(`SIMULATOR_SEED must be an integer (got '${env.SIMULATOR_SEED}')`);
    }
    // The path runs from SIMULATION_START to now (paths are prefix-stable: same seed, same past).
    return new SimulatorSource({
      seed,
      days: Math.max(730, (Date.now() - SIMULATION_START) / DAY_MS + 1),
    });
  }
  throw new Error(`MARKET_SOURCE must be one of ${SOURCE_NAMES.join(", ")} (got '${name}')`);
}

export function replaySource(): ReplaySource {
  return (replay ??= new ReplaySource());
}
