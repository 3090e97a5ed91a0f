import { getDb } from "@/db";
import { arfcInputOf } from "@/db/queries/governance";
import { parseId, problem } from "@/lib/api/problem";
import { arfcMarkdown } from "@/lib/governance/arfc";

export const dynamic = "force-dynamic";

/** GET /proposals/{id}/arfc.md: the proposal as an ARFC for a governance forum (text/markdown). */
export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }) {
  const id = parseId((await ctx.params).id);
  if (id === null) return problem(404, "no such proposal", "id");
  const { db } = await getDb();
  const base = process.env.NEXTAUTH_URL || new URL(req.url).origin;
  const input = await arfcInputOf(db, id, base);
  if (!input) return problem(404, `proposal ${id} does not exist`, "id");
  return new Response(arfcMarkdown(input), {
    headers: {
      "content-type": "text/markdown; charset=utf-8",
      "cache-control": "public, max-age=60, s-maxage=60, stale-while-revalidate=600",
    },
  });
}
