// A seeded market simulator behind the MarketSource interface, for tests and stress runs: an
// hourly jump-diffusion spot path (Merton jumps, compensated) whose volatility, jump intensity and
// skew switch between regimes (a two-state Markov chain), a mean-reverting vol factor, and option
// chains priced off an SSVI surface with tick-rounded bid/ask quotes around the mark. Same seed,
// same options → the same snapshots and prices, bit for bit, whatever order they are asked in.
import type { MarketId } from "../config";
import { black76Price } from "../quant/black76";
import type { CaptureWindow, TimedOptionQuote } from "./quality";
import type { DailyPrice, MarketSource, Snapshot } from "./types";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const YEAR_MS = 365 * DAY_MS;
const DT = 1 / (365 * 24); // one hour in years

export interface Regime {
  name: string;
  /** Diffusion volatility (annualized) at a neutral vol factor. */
  vol: number;
  /** Jumps per year, and the jump size's log-normal mean and sd. */
  jumpIntensity: number;
  jumpMean: number;
  jumpSd: number;
  /** Probability per day of leaving the regime. */
  leavePerDay: number;
  /** SSVI skew (ρ) of the implied surface. */
  rho: number;
  /** Futures basis (annualized carry) and half-spread as a fraction of the option's mark. */
  basis: number;
  halfSpread: number;
}

export const DEFAULT_REGIMES: Regime[] = [
  {
    name: "calm",
    vol: 0.45,
    jumpIntensity: 4,
    jumpMean: -0.02,
    jumpSd: 0.05,
    leavePerDay: 0.02,
    rho: -0.15,
    basis: 0.06,
    halfSpread: 0.02,
  },
  {
    name: "stressed",
    vol: 0.95,
    jumpIntensity: 25,
    jumpMean: -0.05,
    jumpSd: 0.1,
    leavePerDay: 0.1,
    rho: -0.45,
    basis: 0.12,
    halfSpread: 0.06,
  },
];

/** Default first instant of a simulated path. */
export const SIMULATION_START = Date.parse("2025-01-01T00:00:00Z");

export interface SimulatorOptions {
  seed?: number;
  /** First instant of the path, ms (default 2025-01-01T00:00Z). */
  start?: number;
  /** Length of the path, days (default 730); snapshots exist every hour of it. */
  days?: number;
  /** Starting spot per asset (default BTC and ETH). */
  assets?: Record<string, { spot: number }>;
  regimes?: Regime[];
  /** Strikes each side of the forward per expiry (default 12). */
  strikesPerSide?: number;
  /** Fault injection, shares of quotes (default 0): bid removed, crossed, all prices doubled. */
  faults?: { oneSided?: number; crossed?: number; outlier?: number };
}

/** A simulated snapshot: a Snapshot plus the regime it was drawn in. */
export interface SimulatedSnapshot extends Snapshot {
  options: TimedOptionQuote[];
  capture: CaptureWindow;
  regime: string;
}

interface Path {
  spot: Float64Array;
  volFactor: Float64Array;
  regime: Uint8Array;
}

export class SimulatorSource implements MarketSource {
  readonly name: string;
  private readonly seed: number;
  private readonly start: number;
  private readonly hours: number;
  private readonly assets: Record<string, { spot: number }>;
  private readonly regimes: Regime[];
  private readonly strikesPerSide: number;
  private readonly faults: { oneSided: number; crossed: number; outlier: number };
  private readonly paths = new Map<string, Path>();

  constructor(opts: SimulatorOptions = {}) {
    this.seed = opts.seed ?? 1;
    this.start = opts.start ?? SIMULATION_START;
    this.hours = Math.round((opts.days ?? 730) * 24);
    this.assets = opts.assets ?? {
      BTC: { spot: 90_000 },
      ETH: { spot: 3000 },
    };
    this.regimes = opts.regimes ?? DEFAULT_REGIMES;
    this.strikesPerSide = opts.strikesPerSide ?? 12;
    this.faults = { oneSided: 0, crossed: 0, outlier: 0, ...opts.faults };
    this.name = `simulator:${this.seed}`;
  }

  /** The hourly snapshot at or before `at`; null before the path starts or for unknown assets. */
  async snapshotAsOf(market: MarketId, at: number): Promise<SimulatedSnapshot | null> {
    const asset = this.assetOf(market);
    if (!asset || !(at >= this.start)) return null;
    const h = Math.min(this.hours, Math.floor((at - this.start) / HOUR_MS));
    return this.chain(market, asset, h);
  }

  /** Daily closes (the spot at 24:00 UTC) of every day that has ended by `at`. */
  async dailyPricesAsOf(market: MarketId, at: number): Promise<DailyPrice[]> {
    const asset = this.assetOf(market);
    if (!asset) return [];
    const path = this.path(asset);
    const out: DailyPrice[] = [];
    for (let d = 0; (d + 1) * 24 <= this.hours; d++) {
      const end = this.start + (d + 1) * DAY_MS;
      if (end > at) break;
      out.push({
        day: new Date(this.start + d * DAY_MS).toISOString().slice(0, 10),
        price: path.spot[(d + 1) * 24],
        source: this.name,
      });
    }
    return out;
  }

  /** The regime of each hour of the path (for stress tests that pick calm or stressed times). */
  regimeAt(market: MarketId, at: number): string | null {
    const asset = this.assetOf(market);
    if (!asset || !(at >= this.start)) return null;
    const h = Math.min(this.hours, Math.floor((at - this.start) / HOUR_MS));
    return this.regimes[this.path(asset).regime[h]].name;
  }

  private assetOf(market: MarketId): string | null {
    const asset = market.split(":")[1];
    return asset && this.assets[asset] ? asset : null;
  }

  private path(asset: string): Path {
    let p = this.paths.get(asset);
    if (p) return p;
    const rng = new Rng(hashSeed(this.seed, asset));
    const n = this.hours + 1;
    p = { spot: new Float64Array(n), volFactor: new Float64Array(n), regime: new Uint8Array(n) };
    p.spot[0] = this.assets[asset].spot;
    const kappa = 5; // vol factor mean reversion per year
    const eta = 0.8; // vol factor volatility
    for (let h = 1; h < n; h++) {
      let r = p.regime[h - 1];
      if (rng.uniform() < this.regimes[r].leavePerDay / 24) r = (r + 1) % this.regimes.length;
      p.regime[h] = r;
      const g = this.regimes[r];
      const x = p.volFactor[h - 1];
      p.volFactor[h] = x - kappa * x * DT + eta * Math.sqrt(DT) * rng.normal();
      const vol = g.vol * Math.exp(x);
      const kappaJ = Math.exp(g.jumpMean + (g.jumpSd * g.jumpSd) / 2) - 1;
      let logRet =
        (-0.5 * vol * vol - g.jumpIntensity * kappaJ) * DT + vol * Math.sqrt(DT) * rng.normal();
      const jumps = rng.poisson(g.jumpIntensity * DT);
      for (let j = 0; j < jumps; j++) logRet += g.jumpMean + g.jumpSd * rng.normal();
      p.spot[h] = p.spot[h - 1] * Math.exp(logRet);
    }
    this.paths.set(asset, p);
    return p;
  }

  private chain(market: MarketId, asset: string, h: number): SimulatedSnapshot {
    const path = this.path(asset);
    const capturedAt = this.start + h * HOUR_MS;
    const spot = path.spot[h];
    const g = this.regimes[path.regime[h]];
    const shortVol = g.vol * Math.exp(path.volFactor[h]);
    const longVol = 0.55;
    const rng = new Rng(hashSeed(this.seed, `${asset}:${h}`));
    // Deribit-like strike grids follow the price: ~1.25 % of spot rounded to 1, 2, 2.5 or 5 × 10ⁿ
    // (BTC at 90,000: 1,000; ETH at 3,000: 50), so a path that drifts far keeps a full chain.
    const strikeStep = niceStep(spot * 0.0125);
    const options: TimedOptionQuote[] = [];
    for (const expiry of expiriesAfter(capturedAt)) {
      const t = (expiry - capturedAt) / YEAR_MS;
      const forward = spot * Math.exp(g.basis * t);
      const atm = longVol + (shortVol - longVol) * Math.exp(-t / 0.25);
      const theta = atm * atm * t;
      const phi = 1 / (Math.sqrt(theta) * Math.sqrt(1 + theta)); // SSVI power law, η = 1, γ = ½
      const width = 3.5 * atm * Math.sqrt(t);
      const step = strikeStep * (t > 0.25 ? 5 : t > 0.05 ? 2 : 1);
      const strikes = new Set<number>();
      for (let j = -this.strikesPerSide; j <= this.strikesPerSide; j++) {
        const k = Math.round((forward * Math.exp((j / this.strikesPerSide) * width)) / step) * step;
        if (k > 0) strikes.add(k);
      }
      const label = expiryLabel(expiry);
      for (const strike of [...strikes].sort((a, b) => a - b)) {
        const k = Math.log(strike / forward);
        const w =
          (theta / 2) *
          (1 + g.rho * phi * k + Math.sqrt((phi * k + g.rho) ** 2 + 1 - g.rho * g.rho));
        const iv = Math.sqrt(w / t);
        for (const type of ["call", "put"] as const) {
          const mark = black76Price(forward, strike, t, iv, type) / forward;
          const tick = mark < 0.005 ? 0.0001 : 0.0005;
          const half = Math.max(tick, g.halfSpread * mark * (1 + Math.abs(k)));
          let bid: number | null = Math.floor((mark - half) / tick) * tick;
          let ask: number | null = Math.ceil((mark + half) / tick) * tick;
          if (!(bid > 0)) bid = null;
          let quoteMark = mark;
          const u = rng.uniform();
          if (u < this.faults.oneSided) bid = null;
          else if (u < this.faults.oneSided + this.faults.crossed && bid !== null) {
            [bid, ask] = [ask + tick, bid];
          } else if (u < this.faults.oneSided + this.faults.crossed + this.faults.outlier) {
            // mispriced: every price of the quote twice what the surface says
            bid = bid === null ? null : bid * 2;
            ask *= 2;
            quoteMark *= 2;
          }
          options.push({
            instrument: `${asset}-${label}-${strike}-${type === "call" ? "C" : "P"}`,
            expiry,
            strike,
            type,
            bid: bid === null ? null : round(bid),
            ask: round(ask),
            mark: round(quoteMark, 8),
            markIv: iv,
            forward,
            openInterest: Math.round(rng.uniform() * 500 * 10) / 10,
            quotedAt: capturedAt,
          });
        }
      }
    }
    return {
      market,
      source: this.name,
      capturedAt,
      indexPrice: spot,
      options,
      capture: {
        startedAt: capturedAt,
        finishedAt: capturedAt,
        indexAtStart: spot,
        indexAtEnd: spot,
      },
      regime: g.name,
    };
  }
}

/** Deribit-like expiries (08:00 UTC): 3 dailies, 4 Friday weeklies, 3 monthlies, 3 quarterlies. */
export function expiriesAfter(t: number): number[] {
  const out = new Set<number>();
  const day0 = Math.floor(t / DAY_MS) * DAY_MS + 8 * HOUR_MS;
  const first = day0 > t ? day0 : day0 + DAY_MS;
  for (let i = 0; i < 3; i++) out.add(first + i * DAY_MS);
  let fri = first;
  while (new Date(fri).getUTCDay() !== 5) fri += DAY_MS;
  for (let i = 0; i < 4; i++) out.add(fri + i * 7 * DAY_MS);
  const d = new Date(t);
  let quarterlies = 0;
  for (let m = 0, monthlies = 0; quarterlies < 3 && m < 24; m++) {
    const y = d.getUTCFullYear();
    const lastFri = lastFriday(y, d.getUTCMonth() + m);
    if (lastFri <= t) continue;
    const month = new Date(lastFri).getUTCMonth();
    if (monthlies < 3) {
      out.add(lastFri);
      monthlies++;
    } else if (month % 3 === 2) {
      out.add(lastFri);
      quarterlies++;
    }
  }
  return [...out].sort((a, b) => a - b);
}

function lastFriday(year: number, month: number): number {
  let t = Date.UTC(year, month + 1, 0, 8); // last day of the month, 08:00
  while (new Date(t).getUTCDay() !== 5) t -= DAY_MS;
  return t;
}

const MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(" ");
function expiryLabel(expiry: number): string {
  const d = new Date(expiry);
  return `${d.getUTCDate()}${MONTHS[d.getUTCMonth()]}${String(d.getUTCFullYear() % 100).padStart(2, "0")}`;
}

function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The 1, 2, 2.5 or 5 × 10ⁿ nearest to x in log terms. */
export function niceStep(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  let best = p;
  for (const m of [1, 2, 2.5, 5, 10]) {
    if (Math.abs(Math.log((m * p) / x)) < Math.abs(Math.log(best / x))) best = m * p;
  }
  return best;
}

/** FNV-1a of "seed:label": independent streams per seed, asset and snapshot. */
function hashSeed(seed: number, label: string): number {
  // Not seeded into the offset basis as well: basis^seed then ^digit(seed) cancels for 1-9.
  let h = 0x811c9dc5;
  const s = `${seed}:${label}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** sfc32 (Chris Doty-Humphrey's Small Fast Counter), seeded through splitmix32. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform on (0, 1). */
  uniform(): number {
    return (this.u32() + 0.5) / 4294967296;
  }

  /** Standard normal (Box–Muller, one draw per call). */
  normal(): number {
    return Math.sqrt(-2 * Math.log(this.uniform())) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** Poisson(λ) by inversion (λ is small here: jumps per hour). */
  poisson(lambda: number): number {
    let k = 0;
    let p = Math.exp(-lambda);
    let s = p;
    const u = this.uniform();
    while (u > s && k < 100) {
      k++;
      p *= lambda / k;
      s += p;
    }
    return k;
  }
}
