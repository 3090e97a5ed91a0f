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
 * `degraded`. The reason names each market that did not succeed; a failed run's reason starts
 * with the first failed market's category (`<category>: <market>: …`).
 */
export function overallStatus(
  markets: { market: string; status: Status; reason: string | null }[],
): { status: Status; reason: string | null } {
  const bad = markets.filter((o) => o.status !== "succeeded");
  if (bad.length === 0) return { status: "succeeded", reason: null };
  const reason = bad.map((o) => `${o.market}: ${o.reason}`).join("; ");
  if (bad.length === markets.length && bad.every((o) => o.status === "failed")) {
    const category = failureCategory(bad[0].reason ?? "") ?? "internal";
    return { status: "failed", reason: `${category}: ${reason}` };
  }
  return { status: "degraded", reason };
}
