import { addMember, removeMember } from "@/db/queries/governance";
import { MemberBody } from "@/lib/api/governance";
import { json } from "@/lib/api/problem";
import { committeeMutation } from "@/lib/auth/mutation";

export const dynamic = "force-dynamic";

/**
 * POST /api/v1/committee/members `{address, role, name?, remove?}` by an admin → 201 with the
 * member (added or re-activated), or 200 when `remove: true` ended the membership.
 */
export const POST = committeeMutation(
  { roles: ["admin"], body: MemberBody },
  async ({ db, member, input }) => {
    const m = input.remove
      ? await removeMember(db, input.address, member.address)
      : await addMember(
          db,
          // addMember refuses a missing role with a 400 naming it.
          { address: input.address, role: input.role!, name: input.name },
          member.address,
        );
    return json(
      {
        address: m.address,
        role: m.role,
        name: m.displayName,
        active: m.active,
        removedAt: m.removedAt?.toISOString() ?? null,
      },
      input.remove ? 200 : 201,
    );
  },
);
