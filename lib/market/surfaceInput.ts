// Adapter from the market layer's implied vols (lib/market/impliedVols) to the numeric core's
// surface input (lib/quant/surface), which knows nothing about instruments or snapshots.
import type { SliceQuotes } from "../quant/surface";
import type { ChainIvs } from "./impliedVols";

/** One SliceQuotes per expiry, quotes in strike order; a missing mark IV becomes NaN. */
export function surfaceInput(chain: ChainIvs): SliceQuotes[] {
  return chain.expiries.map((e) => ({
    t: e.t,
    forward: e.forward,
    expiry: e.expiry,
    k: e.points.map((p) => p.k),
    midIv: e.points.map((p) => p.midIv),
    bidIv: e.points.map((p) => p.bidIv),
    askIv: e.points.map((p) => p.askIv),
    markIv: e.points.map((p) => (p.markIv === null ? NaN : p.markIv)),
  }));
}
