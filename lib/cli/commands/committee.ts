import { dbConfigFromEnv, openDb } from "../../../db/client";
import {
  addMember,
  GovernanceError,
  listMembers,
  memberInForce,
  removeMember,
  ROLES,
  type Role,
} from "../../../db/queries/governance";
import { isAddress } from "viem";
import { parseArgs, UsageError } from "../args";
import { parseTime } from "./run";

const USAGE =
  "vigil committee add <address> --role reviewer|executor|admin [--name <name>] [--from ISO] [--until ISO]\n" +
  "vigil committee remove <address>\n" +
  "vigil committee list [--json]";

/**
 * `vigil committee …`: the risk committee's members, by EIP-55 address and role. The command line
 * holds the database itself, so it is how an operator adds the first admin; every change is an
 * audit event with actor `operator`.
 */
export default async function committee(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "add" && sub !== "remove" && sub !== "list")
    throw new UsageError(`vigil committee needs add, remove or list\n${USAGE}`);
  const { options, flags, positional } = parseArgs(rest, {
    options: sub === "add" ? ["role", "name", "from", "until"] : [],
    flags: sub === "list" ? ["json"] : [],
  });
  if (sub === "list" ? positional.length > 0 : positional.length !== 1)
    throw new UsageError(`unexpected arguments\n${USAGE}`);
  if (sub === "add" && !ROLES.includes(options.role as Role))
    throw new UsageError(`--role must be one of ${ROLES.join(", ")}`);
  if (sub !== "list" && !isAddress(positional[0], { strict: false }))
    throw new UsageError(`'${positional[0]}' is not an Ethereum address`);
  const validFrom = options.from ? parseTime(options.from, "--from") : undefined;
  const validUntil = options.until ? parseTime(options.until, "--until") : undefined;
  const handle = await openDb(dbConfigFromEnv());
  try {
    if (sub === "list") {
      const now = new Date();
      const members = (await listMembers(handle.db)).map((m) => ({
        address: m.address,
        name: m.displayName,
        role: m.role,
        inForce: memberInForce(m, now),
        validFrom: m.validFrom.toISOString(),
        validUntil: m.validUntil?.toISOString() ?? null,
        removedAt: m.removedAt?.toISOString() ?? null,
      }));
      if (flags.has("json")) process.stdout.write(JSON.stringify(members) + "\n");
      else if (members.length === 0) process.stdout.write("no committee members\n");
      else
        for (const m of members)
          process.stdout.write(
            `${m.address}  ${m.role.padEnd(8)}  ${m.inForce ? "active " : "inactive"}  ${m.name}\n`,
          );
      return 0;
    }
    const m =
      sub === "add"
        ? await addMember(
            handle.db,
            {
              address: positional[0],
              role: options.role as Role,
              name: options.name,
              validFrom,
              validUntil,
            },
            "operator",
          )
        : await removeMember(handle.db, positional[0], "operator");
    process.stdout.write(
      sub === "add"
        ? `added ${m.address} as ${m.role} (${m.displayName})\n`
        : `removed ${m.address}\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof GovernanceError) {
      process.stderr.write(`vigil committee: ${err.message}\n`);
      return err.status === 404 ? 1 : 2;
    }
    throw err;
  } finally {
    await handle.close();
  }
}
