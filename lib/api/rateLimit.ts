// Per-client request counts of the public API, kept in Postgres so every serverless instance
// shares them, without a database round trip per request: an instance counts locally and writes
// its count through (a) on a client's first request in a window, (b) on every request once the
// client is past half its limit, so the decision near the limit is made on the shared count, and
// (c) at least once a second (and a second after the last request) while below half.
import type { WindowCount } from "../../db/queries/rateLimit";

/** Adds `n` requests of a client to the shared count of the current window; returns the total. */
export type FlushCount = (client: string, n: number) => Promise<WindowCount>;

interface Entry {
  known: number;
  pending: number;
  resetAt: number;
  syncedAt: number;
  timer?: ReturnType<typeof setTimeout>;
}

const MAX_CLIENTS = 10_000;

export class RateCounter {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly flush: FlushCount,
    private readonly limit: number,
    private readonly maxLagMs = 1_000,
  ) {}

  /** Counts one request; the window's count as far as this instance knows, and its reset. */
  async count(client: string, now = Date.now()): Promise<WindowCount> {
    let e = this.entries.get(client);
    if (e && now >= e.resetAt) {
      clearTimeout(e.timer);
      this.entries.delete(client);
      e = undefined;
    }
    if (!e || e.known + e.pending + 1 > this.limit / 2 || now - e.syncedAt >= this.maxLagMs) {
      const n = (e?.pending ?? 0) + 1;
      if (e) {
        e.pending = 0;
        e.syncedAt = now; // one write-through per lag period, not one per request in flight
      }
      const w = await this.flush(client, n);
      const entry = this.entries.get(client);
      if (entry && entry.resetAt > now) entry.known = Math.max(entry.known, w.count);
      else
        this.remember(client, {
          known: w.count,
          pending: 0,
          resetAt: now + w.resetSeconds * 1000,
          syncedAt: now,
        });
      return w;
    }
    e.pending++;
    e.timer ??= setTimeout(() => this.writeThrough(client), this.maxLagMs);
    e.timer.unref?.();
    return {
      count: e.known + e.pending,
      resetSeconds: Math.max(1, Math.ceil((e.resetAt - now) / 1000)),
    };
  }

  private writeThrough(client: string): void {
    const e = this.entries.get(client);
    if (!e) return;
    e.timer = undefined;
    const n = e.pending;
    if (n === 0) return;
    e.pending = 0;
    e.syncedAt = Date.now();
    this.flush(client, n).then(
      (w) => (e.known = Math.max(e.known, w.count)),
      (err) => console.error("api: rate-limit count not written", err),
    );
  }

  private remember(client: string, e: Entry): void {
    if (this.entries.size >= MAX_CLIENTS) {
      const now = Date.now();
      for (const [k, v] of this.entries) if (v.resetAt <= now) this.entries.delete(k);
      if (this.entries.size >= MAX_CLIENTS) this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(client, e);
  }
}
