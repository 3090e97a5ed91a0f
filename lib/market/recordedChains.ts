// The recorded weekly option chains of both markets (the replay data), as the surface fits them:
// the benchmarks and the surface tests read the same 68 chains the same way.
import type { SliceQuotes } from "../quant/surface";
import { chainImpliedVols } from "./impliedVols";
import { cleanSnapshot } from "./quality";
import { ReplaySource } from "./replay";
import { surfaceInput } from "./surfaceInput";

export interface RecordedChain {
  asset: "BTC" | "ETH";
  capturedAt: number;
  slices: SliceQuotes[];
}

/**
 * Every recorded chain of BTC then ETH in time order; `clean` keeps only the quotes that pass
 * cleaning (what the calibrate stage fits), otherwise every quote with an implied vol.
 */
export async function recordedChains({ clean }: { clean: boolean }): Promise<RecordedChain[]> {
  const src = new ReplaySource();
  const out: RecordedChain[] = [];
  for (const asset of ["BTC", "ETH"] as const) {
    const market = `deribit:${asset}`;
    for (const t of src.snapshotTimes(market)) {
      const snap = await src.snapshotAsOf(market, t);
      if (!snap) continue;
      const options = clean ? cleanSnapshot(snap, { now: snap.capturedAt }).clean : snap.options;
      out.push({
        asset,
        capturedAt: snap.capturedAt,
        slices: surfaceInput(chainImpliedVols({ ...snap, options }, 1)),
      });
    }
  }
  return out;
}
