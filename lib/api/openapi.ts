// The OpenAPI 3.1 document of the public read API, generated from the zod schemas the routes
// validate with and shape their bodies by (lib/api/routes.ts, lib/api/schemas.ts) through zod 4's
// JSON Schema output; OpenAPI 3.1 schemas are JSON Schema 2020-12, so nothing is translated by hand.
import { z } from "zod";
import { API_ROUTES, type ApiRoute } from "./routes";
import { Problem } from "./schemas";

type Json = Record<string, unknown>;

const ref = (schema: z.ZodType): Json => {
  const id = z.globalRegistry.get(schema)?.id;
  if (!id) throw new Error("a response schema of the API needs an id");
  return { $ref: `#/components/schemas/${id}` };
};

function parameter(name: string, where: "path" | "query", schema: z.ZodType): Json {
  const { description, example, ...json } = z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
  }) as Json;
  delete json.$schema;
  // A defaulted query parameter is optional for the client.
  const optional = where === "query" && schema.safeParse(undefined).success;
  return {
    name,
    in: where,
    required: !optional,
    ...(description ? { description } : {}),
    schema: json,
    ...(example !== undefined ? { example } : {}),
  };
}

const problemResponse = (description: string): Json => ({
  description,
  content: { "application/problem+json": { schema: ref(Problem) } },
});

const HEADERS: Json = {
  ETag: { description: "Strong validator of the body.", schema: { type: "string" } },
  "Cache-Control": { description: "Shared-cache lifetime.", schema: { type: "string" } },
  RateLimit: {
    description: "Remaining requests and seconds to reset.",
    schema: { type: "string" },
  },
  "RateLimit-Policy": { description: "Requests per 60 s window.", schema: { type: "string" } },
};

function operation(key: string, route: ApiRoute): Json {
  const params = [
    ...Object.entries(route.params?.shape ?? {}).map(([n, s]) => parameter(n, "path", s)),
    ...Object.entries(route.query.shape).map(([n, s]) => parameter(n, "query", s)),
  ];
  const ok: Json = {
    description: "OK",
    headers: HEADERS,
    content: {
      "application/json": { schema: ref(route.response) },
      ...(route.csvColumns
        ? {
            "text/csv": {
              schema: { type: "string" },
              example: `${route.csvColumns.join(",")}\r\n`,
            },
          }
        : {}),
    },
  };
  return {
    operationId: key,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    parameters: params,
    responses: {
      "200": ok,
      "304": { description: "Not modified: the `If-None-Match` tag still matches." },
      ...(Object.keys(route.query.shape).length
        ? { "400": problemResponse("A query parameter is invalid; `field` names it.") }
        : {}),
      ...(route.notFound ? { "404": problemResponse(route.notFound) } : {}),
      "429": {
        ...problemResponse("Too many requests from this client in the current minute."),
        headers: { "Retry-After": { schema: { type: "integer" } } },
      },
      "503":
        key === "health"
          ? { description: "The database is unreachable.", content: ok.content }
          : problemResponse("The database is unreachable."),
    },
  };
}

let cached: Json | undefined;

export function openApiDocument(): Json {
  if (cached) return cached;
  const { schemas } = z.toJSONSchema(z.globalRegistry, {
    uri: (id) => `#/components/schemas/${id}`,
    unrepresentable: "any",
  }) as { schemas: Record<string, Json> };
  // Components are addressed by their path in this document, not by an $id of their own.
  for (const s of Object.values(schemas)) {
    delete s.$schema;
    delete s.$id;
  }
  const paths: Json = {};
  for (const [key, route] of Object.entries(API_ROUTES) as [string, ApiRoute][])
    paths[route.path] = { get: operation(key, route) };
  cached = {
    openapi: "3.1.0",
    info: {
      title: "Vigil public API",
      version: "1",
      description:
        "Read-only JSON API of Vigil: markets and their governed parameters, runs, risk series, " +
        "backtests, the published volatility surface and parameter proposals. Every GET carries " +
        "a strong ETag (answer `If-None-Match` for a 304), `Cache-Control` sized to the hourly " +
        "runs, `Access-Control-Allow-Origin: *`, and the IETF `RateLimit` fields; errors are RFC " +
        "9457 problem details naming the field.",
      license: { name: "MIT", identifier: "MIT" },
    },
    servers: [{ url: "/api/v1" }],
    paths,
    components: { schemas },
  };
  return cached;
}
