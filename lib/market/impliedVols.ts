// Implied vols of a snapshot's option quotes, per expiry, with every dropped quote counted by
// reason. Deribit's inverse options are converted to USD-forward Black-76 prices (coin × F).
import { atmVolFromSmile, constantMaturityAtmVol } from "../quant/atm";
import { coinToUsdForward } from "../quant/black76";
import { impliedVol } from "../quant/impliedVol";
import type { OptionQuote, Snapshot } from "./types";

const YEAR_MS = 365 * 86_400_000; // Deribit's mark IVs use a 365-day year

export type DropReason =
  | "expiring too soon"
  | "one-sided or no quote"
  | "in the money side"
  | "bid IV not attainable"
  | "ask IV not attainable"
  | "mid IV not attainable";

export interface IvPoint {
  instrument: string;
  strike: number;
  type: OptionQuote["type"];
  /** ln(K/F) */
  k: number;
  bidIv: number;
  askIv: number;
  midIv: number;
  markIv: number | null;
}

export interface ExpiryIvs {
  expiry: number;
  t: number;
  forward: number;
  atmVol: number;
  points: IvPoint[];
}

export interface ChainIvs {
  expiries: ExpiryIvs[];
  /** 30-day constant-maturity ATM vol (interpolated in total variance). */
  atm30d: number;
  used: number;
  dropped: Partial<Record<DropReason, number>>;
}

/**
 * Keeps two-sided, out-of-the-money quotes (puts below the forward, calls at or above it: their
 * prices carry the information, ITM ones add only intrinsic value) of expiries at least
 * `minExpiryDays` away, and inverts bid, ask and mid.
 */
export function chainImpliedVols(snapshot: Snapshot, minExpiryDays: number): ChainIvs {
  const dropped: ChainIvs["dropped"] = {};
  const drop = (r: DropReason) => (dropped[r] = (dropped[r] ?? 0) + 1);
  const byExpiry = new Map<number, { forwards: number[]; points: IvPoint[] }>();
  let used = 0;
  for (const q of snapshot.options) {
    const t = (q.expiry - snapshot.capturedAt) / YEAR_MS;
    if (t * 365 < minExpiryDays) {
      drop("expiring too soon");
      continue;
    }
    if (q.bid === null || q.ask === null || q.bid <= 0 || q.ask <= q.bid) {
      drop("one-sided or no quote");
      continue;
    }
    const otm = q.type === "put" ? q.strike < q.forward : q.strike >= q.forward;
    if (!otm) {
      drop("in the money side");
      continue;
    }
    const bidIv = impliedVol(coinToUsdForward(q.bid, q.forward), q.forward, q.strike, t, q.type);
    if (!Number.isFinite(bidIv)) {
      drop("bid IV not attainable");
      continue;
    }
    const askIv = impliedVol(coinToUsdForward(q.ask, q.forward), q.forward, q.strike, t, q.type);
    if (!Number.isFinite(askIv)) {
      drop("ask IV not attainable");
      continue;
    }
    const mid = coinToUsdForward((q.bid + q.ask) / 2, q.forward);
    const midIv = impliedVol(mid, q.forward, q.strike, t, q.type);
    // Between two invertible prices the mid is invertible too; checked anyway, because a price
    // that cannot be inverted must be dropped with its reason, never become a vol.
    if (!(Number.isFinite(midIv) && midIv > 0)) {
      drop("mid IV not attainable");
      continue;
    }
    let slot = byExpiry.get(q.expiry);
    if (!slot) byExpiry.set(q.expiry, (slot = { forwards: [], points: [] }));
    slot.forwards.push(q.forward);
    slot.points.push({
      instrument: q.instrument,
      strike: q.strike,
      type: q.type,
      k: Math.log(q.strike / q.forward),
      bidIv,
      askIv,
      midIv,
      markIv: q.markIv,
    });
    used++;
  }
  const expiries = [...byExpiry.entries()]
    .sort(([a], [b]) => a - b)
    .map(([expiry, { forwards, points }]) => {
      points.sort((a, b) => a.strike - b.strike);
      return {
        expiry,
        t: (expiry - snapshot.capturedAt) / YEAR_MS,
        // The forward varies by ~1e-5 within an expiry (the quotes were captured over seconds).
        forward: forwards.reduce((s, f) => s + f, 0) / forwards.length,
        atmVol: atmVolFromSmile(points.map((p) => ({ k: p.k, iv: p.midIv }))),
        points,
      };
    });
  return { expiries, atm30d: constantMaturityAtmVol(expiries, 30 / 365), used, dropped };
}
