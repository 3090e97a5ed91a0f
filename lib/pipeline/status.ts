// A run's status from its markets' (one rule for every worker that may end a run), and as readers
// see it. Light on imports: pages use it.
import { failureCategory } from "./failure";
import type { RunStatus, Status } from "./types";

/** A `running` run whose lease has passed is abandoned: its invocation died. */
export function effectiveStatus(
  status: string,
  leaseExpiresAt: Date | null,
  now = Date.now(),
): RunStatus {
  if (status === "running" && leaseExpiresAt && leaseExpiresAt.getTime() < now) return "abandoned";
  return status as RunStatus;
}

/**
 * `succeeded` when every market succeeded, `failed` when every market failed, otherwise
 * `degraded`. The reason names each market that did not succeed and starts with the first such
 * market's category (`<category>: <market>: …`), so a run's reason is public as it stands.
 */
export function overallStatus(
  markets: { market: string; status: Status; reason: string | null }[],
): { status: Status; reason: string | null } {
  const bad = markets.filter((o) => o.status !== "succeeded");
  if (bad.length === 0) return { status: "succeeded", reason: null };
  const category = failureCategory(bad[0].reason ?? "") ?? "internal";
  const reason = `${category}: ${bad.map((o) => `${o.market}: ${o.reason}`).join("; ")}`;
  const failed = bad.length === markets.length && bad.every((o) => o.status === "failed");
  return { status: failed ? "failed" : "degraded", reason };
}
