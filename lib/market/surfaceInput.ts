// Adapter from the market layer's implied vols (lib/market/impliedVols) to the numeric core's
// surface input (lib/quant/surface), which knows nothing about instruments or snapshots.
import { black76Price } from "../quant/black76";
import type { SvQuote } from "../quant/hestonCalibration";
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

/** The same quotes for the Heston/Bates calibration: each priced (Black-76) at its mid IV. */
export function svQuotes(ivs: ChainIvs): SvQuote[] {
  return ivs.expiries.flatMap((e) =>
    e.points.map((p) => ({
      t: e.t,
      forward: e.forward,
      strike: p.strike,
      type: p.type,
      price: black76Price(e.forward, p.strike, e.t, p.midIv, p.type),
      bidIv: p.bidIv,
      askIv: p.askIv,
    })),
  );
}
