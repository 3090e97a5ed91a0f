// The one wrapper every public GET of /api/v1 goes through: rate limit (counted in Postgres),
// path and query validation with the route's zod schemas (RFC 9457 problems naming the field,
// 404 for a malformed id or market), the handler, then a strong ETag with 304s, Cache-Control
// sized to how the data changes, CORS and the rate-limit headers. Route files stay one call.
import { createHash } from "node:crypto";
import type { z } from "zod";
import { getDb } from "../../db";
import type { Db } from "../../db/client";
import { countRequests, type WindowCount } from "../../db/queries/rateLimit";
import { RateCounter } from "./rateLimit";
import { invalid, problem } from "./problem";

/**
 * How long shared caches may keep a body: `hourly` data changes when a run lands (hourly);
 * `immutable` is a finished run's own record; `live` is state a committee can change any minute;
 * `none` depends on the moment it is asked (a review request stating "now").
 */
export type CacheClass = "hourly" | "immutable" | "live" | "none";

const CACHE_CONTROL: Record<CacheClass, string> = {
  hourly: "public, max-age=60, s-maxage=300, stale-while-revalidate=3600",
  immutable: "public, max-age=86400, s-maxage=31536000, immutable",
  live: "public, max-age=0, s-maxage=15, stale-while-revalidate=60",
  none: "no-store",
};

/**
 * How long one instance reuses a serialized answer. Shared caches keep `hourly` answers for
 * minutes (s-maxage) anyway; a few seconds here spare the database a burst of identical reads.
 */
const REUSE_MS: Partial<Record<CacheClass, number>> = { hourly: 5_000, immutable: 3_600_000 };
const REUSE_MAX = 1_000;

interface Serialized {
  text: string;
  etag: string;
  headers: Record<string, string>;
  status: number;
  expires: number;
}
const reuse = new Map<string, Serialized>();
const refreshing = new Set<string>();

export type Reply =
  | { body: unknown; cache: CacheClass; status?: number }
  | { csv: string; filename: string; cache: CacheClass }
  | Response;

export interface GetContext<P, Q> {
  db: Db;
  params: P;
  query: Q;
}

type RouteContext = { params: Promise<Record<string, string | string[]>> };

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "ETag, RateLimit, RateLimit-Policy, Retry-After",
};

/** Default 120 requests per minute per client; `API_RATE_LIMIT` sets it. */
export function rateLimitPerMinute(env: Record<string, string | undefined> = process.env): number {
  const raw = env.API_RATE_LIMIT;
  const n = raw === undefined || raw === "" ? 120 : Number(raw);
  return Number.isInteger(n) && n > 0 ? n : 120;
}

/**
 * The client a request is counted against: the first `X-Forwarded-For` address. Vercel's edge
 * sets that header itself; `next start` adds the socket address when the request has none, so a
 * self-hosted deployment must sit behind a proxy that overwrites it (docs/architecture.md).
 */
export function clientOf(request: Request): string {
  const xff = request.headers.get("x-forwarded-for");
  const first = xff?.split(",")[0]?.trim();
  return first ? first.slice(0, 64) : "unknown";
}

/** RFC 9110 weak comparison of If-None-Match against our strong tag. */
function matches(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === "*") return true;
  return ifNoneMatch.split(",").some((t) => t.trim().replace(/^W\//, "") === etag);
}

function withHeaders(res: Response, extra: Record<string, string>): Response {
  for (const [k, v] of Object.entries({ ...CORS, ...extra })) res.headers.set(k, v);
  return res;
}

/** The draft IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers). */
function rateHeaders(limit: number, w: WindowCount | null): Record<string, string> {
  if (!w) return {};
  return {
    "ratelimit-policy": `"per-client";q=${limit};w=60`,
    ratelimit: `"per-client";r=${Math.max(0, limit - w.count)};t=${w.resetSeconds}`,
  };
}

function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  // Socket errors, and Postgres' class 08 (connection exception) and admin shutdowns.
  return (
    typeof code === "string" &&
    (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|57P0[13])$/.test(code) || code.startsWith("08"))
  );
}

/** One counter per process and limit, writing through to Postgres. */
let counter: { limit: number; db: Db; counter: RateCounter } | undefined;
function counterFor(db: Db, limit: number): RateCounter {
  if (counter?.limit !== limit || counter.db !== db)
    counter = { limit, db, counter: new RateCounter((c, n) => countRequests(db, c, n), limit) };
  return counter.counter;
}

export function publicGet<P extends z.ZodType, Q extends z.ZodObject>(spec: {
  /** Path parameters; a value that fails its schema is a 404 (no such resource), not a 400. */
  params?: P;
  query: Q;
  handler: (ctx: GetContext<z.output<P>, z.output<Q>>) => Promise<Reply>;
  /** The answer when the database cannot be reached (default: a 503 problem). */
  unavailable?: () => Reply;
}) {
  return async function GET(request: Request, context?: RouteContext): Promise<Response> {
    const limit = rateLimitPerMinute();
    let db: Db;
    let window: WindowCount | null = null;
    try {
      ({ db } = await getDb());
      window = await counterFor(db, limit).count(clientOf(request));
    } catch (err) {
      console.error("api: database unavailable", err);
      const down = spec.unavailable?.();
      return down && !(down instanceof Response)
        ? respond(request, serialize(down), { "retry-after": "30" })
        : withHeaders(problem(503, "the database is unavailable; retry later"), {
            "retry-after": "30",
          });
    }
    const rate = rateHeaders(limit, window);
    if (window.count > limit)
      return withHeaders(problem(429, `more than ${limit} requests per minute from this client`), {
        ...rate,
        "retry-after": String(window.resetSeconds),
      });

    let params: z.output<P> = undefined as z.output<P>;
    if (spec.params) {
      const raw = context ? await context.params : {};
      const decoded: Record<string, string> = {};
      for (const [k, v] of Object.entries(raw)) {
        const s = Array.isArray(v) ? v.join("/") : v;
        try {
          decoded[k] = decodeURIComponent(s);
        } catch {
          return withHeaders(problem(404, `no such ${k}`, k), rate);
        }
      }
      const parsed = spec.params.safeParse(decoded);
      if (!parsed.success) {
        const field = String(parsed.error.issues[0]?.path[0] ?? "path");
        return withHeaders(problem(404, `no such ${field}`, field), rate);
      }
      params = parsed.data;
    }
    const url = new URL(request.url);
    const rawQuery: Record<string, string> = {};
    for (const [k, v] of url.searchParams) if (!(k in rawQuery)) rawQuery[k] = v;
    const query = spec.query.safeParse(rawQuery);
    if (!query.success) return withHeaders(invalid(query.error.issues), rate);

    // The answer depends only on the path and the parameters the route knows.
    const known = Object.keys(rawQuery)
      .filter((k) => k in spec.query.shape)
      .sort()
      .map((k) => `${k}=${rawQuery[k]}`);
    const key = `${url.pathname}?${known.join("&")}`;
    // A reused answer past its time is still served while one request of this instance
    // recomputes it, so a burst never recomputes the same answer concurrently.
    let answer = reuse.get(key);
    if (!answer || (answer.expires < Date.now() && !refreshing.has(key))) {
      refreshing.add(key);
      let reply: Reply;
      try {
        reply = await spec.handler({ db, params, query: query.data });
      } catch (err) {
        console.error(`api: ${url.pathname} failed`, err);
        return withHeaders(
          isConnectionError(err)
            ? problem(503, "the database is unavailable; retry later")
            : problem(500, "the request could not be answered; the operator has the details"),
          rate,
        );
      } finally {
        refreshing.delete(key);
      }
      if (reply instanceof Response) return withHeaders(reply, rate);
      answer = serialize(reply);
      const ms = REUSE_MS[reply.cache];
      if (ms && answer.status === 200) {
        if (reuse.size >= REUSE_MAX && !reuse.has(key)) reuse.delete(reuse.keys().next().value!);
        reuse.set(key, { ...answer, expires: Date.now() + ms });
      }
    }
    return respond(request, answer, rate);
  };
}

function serialize(reply: Exclude<Reply, Response>): Serialized {
  const isCsv = "csv" in reply;
  const text = isCsv ? reply.csv : JSON.stringify(reply.body);
  const etag = `"${createHash("sha256").update(text).digest("base64url").slice(0, 32)}"`;
  return {
    text,
    etag,
    status: !isCsv && reply.status ? reply.status : 200,
    expires: 0,
    headers: {
      etag,
      "cache-control": CACHE_CONTROL[reply.cache],
      "content-type": isCsv ? "text/csv; charset=utf-8" : "application/json",
      ...(isCsv ? { "content-disposition": `inline; filename="${reply.filename}"` } : {}),
    },
  };
}

/** A serialized answer as a response, with CORS and rate headers; 304 when the tag matches. */
function respond(request: Request, answer: Serialized, extra: Record<string, string>): Response {
  const headers = { ...extra, ...answer.headers };
  if (answer.status === 200 && matches(request.headers.get("if-none-match"), answer.etag))
    return withHeaders(new Response(null, { status: 304 }), headers);
  return withHeaders(new Response(answer.text, { status: answer.status, headers }), headers);
}

/** CORS preflight for the public GETs (If-None-Match is not a safelisted request header). */
export function preflight(): Response {
  return new Response(null, {
    status: 204,
    headers: {
      ...CORS,
      "access-control-allow-methods": "GET, HEAD, OPTIONS",
      "access-control-allow-headers": "If-None-Match",
      "access-control-max-age": "86400",
    },
  });
}
