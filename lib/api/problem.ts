// RFC 9457 problem details: every refusal of the API says what was wrong and, where it is one
// field, which. Detail text is Vigil's own words, never a raw error.
import { IdParam, MarketParam } from "./schemas";
export interface Problem {
  status: number;
  title: string;
  detail?: string;
  /** The request field (body key, query or path parameter) at fault. */
  field?: string;
}

const TITLES: Record<number, string> = {
  400: "Bad request",
  401: "Not signed in",
  403: "Forbidden",
  404: "Not found",
  409: "Conflict",
  415: "Unsupported media type",
  429: "Too many requests",
  500: "Internal error",
  503: "Service unavailable",
};

export function problem(status: number, detail?: string, field?: string): Response {
  const body: Problem & { type: string } = {
    type: "about:blank",
    title: TITLES[status] ?? "Error",
    status,
    ...(detail ? { detail } : {}),
    ...(field ? { field } : {}),
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/problem+json", "cache-control": "no-store" },
  });
}

/** The first issue of a zod error as a 400 naming its path. */
export function invalid(issues: { path: PropertyKey[]; message: string }[], prefix = ""): Response {
  const issue = issues[0];
  const field = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
  return problem(400, `${field || "body"}: ${issue.message}`, field || undefined);
}

/** Database ids are int4 (lib/api/schemas.IdParam): anything else in a path is a 404. */
export function parseId(raw: string): number | null {
  const id = IdParam.safeParse(raw);
  return id.success ? id.data : null;
}

/**
 * A market id from a path segment (`deribit%3ABTC`): broken percent-encoding or anything not
 * shaped like `venue:UNDERLYING` is null, so the caller answers 404, never a URIError's 500.
 */
export function parseMarketId(raw: string): string | null {
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    return null;
  }
  return MarketParam.safeParse(id).success ? id : null;
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}
