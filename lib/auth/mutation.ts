// The one wrapper every committee mutation goes through: a session (401), a member in force with
// an allowed role re-read from the database now (403), a JSON body from this origin validated by
// zod (400/415), a path id in range (404); governance refusals become problem responses and
// nothing is written. Unexpected errors are logged and answered without their text.
import { getServerSession } from "next-auth";
import type { z } from "zod";
import { getDb } from "../../db";
import type { Db } from "../../db/client";
import {
  GovernanceError,
  memberInForceAt,
  type Member,
  type Role,
} from "../../db/queries/governance";
import { invalid, parseId, problem } from "../api/problem";
import { authEnv } from "./env";
import { authOptions } from "./options";

export interface MutationContext<T> {
  db: Db;
  member: Member;
  input: T;
  id: number;
}

export function committeeMutation<S extends z.ZodType>(
  opts: { roles: readonly Role[]; body: S },
  handler: (ctx: MutationContext<z.infer<S>>) => Promise<Response>,
) {
  return async (req: Request, ctx: { params?: Promise<{ id?: string }> }): Promise<Response> => {
    try {
      const session = await getServerSession(authOptions);
      if (!session?.address) return problem(401, "sign in with a committee wallet first");
      const origin = req.headers.get("origin");
      const app = authEnv().NEXTAUTH_URL;
      if (origin && app && origin !== new URL(app).origin)
        return problem(403, "cross-origin request refused");
      const { db } = await getDb();
      const member = await memberInForceAt(db, session.address, new Date());
      if (!member) return problem(403, `${session.address} is not an active committee member`);
      if (!opts.roles.includes(member.role as Role))
        return problem(
          403,
          `this needs the role ${opts.roles.join(" or ")}; yours is ${member.role}`,
        );
      // Routes without a dynamic segment get no params at all.
      const params = (await ctx.params) ?? {};
      const id = params.id === undefined ? 0 : parseId(params.id);
      if (id === null) return problem(404, "no such proposal", "id");
      if (!(req.headers.get("content-type") ?? "").startsWith("application/json"))
        return problem(415, "send the body as application/json");
      let raw: unknown;
      try {
        raw = await req.json();
      } catch {
        return problem(400, "the body is not JSON");
      }
      const parsed = opts.body.safeParse(raw);
      if (!parsed.success) return invalid(parsed.error.issues);
      return await handler({ db, member, input: parsed.data, id });
    } catch (err) {
      if (err instanceof GovernanceError) return problem(err.status, err.message, err.field);
      console.error("committee mutation failed", err);
      return problem(500, "the change could not be recorded; nothing was written");
    }
  };
}
