import { getDb } from "@/db";
import { issueNonce } from "@/db/queries/governance";
import { json } from "@/lib/api/problem";

export const dynamic = "force-dynamic";

/** GET /api/auth/nonce → `{nonce}`: single-use, stored server-side, valid for 10 minutes. */
export async function GET(): Promise<Response> {
  const { db } = await getDb();
  return json({ nonce: await issueNonce(db) }, 200, { "cache-control": "no-store" });
}
