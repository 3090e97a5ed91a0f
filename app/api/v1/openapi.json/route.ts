import { openApiDocument } from "@/lib/api/openapi";
import { preflight, publicGet } from "@/lib/api/publicGet";
import { EmptyQuery } from "@/lib/api/schemas";

export const dynamic = "force-dynamic";

/** GET /api/v1/openapi.json: the OpenAPI 3.1 document, generated from the routes' zod schemas. */
export const GET = publicGet({
  query: EmptyQuery,
  handler: async () => ({ body: openApiDocument(), cache: "hourly" }),
});
export const OPTIONS = preflight;
