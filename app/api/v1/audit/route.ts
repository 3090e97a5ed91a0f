import { auditPage } from "@/db/queries/audit";
import { preflight, publicGet } from "@/lib/api/publicGet";
import { API_ROUTES } from "@/lib/api/routes";

export const dynamic = "force-dynamic";

/**
 * GET /api/v1/audit?after=<seq>&limit=<1..1000> → `{events, next}`: the hash-chained audit events
 * after a sequence number, oldest first; `next` is the `after` of the following page (null at
 * the end). Recompute the chain as docs/governance.md says.
 */
export const GET = publicGet({
  ...API_ROUTES.audit,
  handler: async ({ db, query }) => {
    const events = await auditPage(db, query.after, query.limit + 1);
    const page = events.slice(0, query.limit);
    return {
      body: { events: page, next: events.length > query.limit ? page.at(-1)!.seq : null },
      cache: "live",
    };
  },
});
export const OPTIONS = preflight;
