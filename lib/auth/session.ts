// Who is looking at a page: the session's address and, re-read from the database, the member.
import { getServerSession } from "next-auth";
import type { Db } from "../../db/client";
import { memberInForceAt, type Member } from "../../db/queries/governance";
import { authOptions } from "./options";

export async function viewer(db: Db): Promise<{ address: string | null; member: Member | null }> {
  const session = await getServerSession(authOptions);
  const address = session?.address ?? null;
  return { address, member: address ? await memberInForceAt(db, address, new Date()) : null };
}
