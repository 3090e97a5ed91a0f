import { createHash, timingSafeEqual } from "node:crypto";

export type CronAuth = { ok: true } | { ok: false; error: string };

/**
 * Checks `Authorization: Bearer <CRON_SECRET>` in constant time: both sides are hashed first, so
 * neither the length nor any prefix of the secret leaks through timing. With no secret
 * configured every call is refused.
 */
export function checkCronAuth(header: string | null, secret: string | undefined): CronAuth {
  if (!secret)
    return { ok: false, error: "CRON_SECRET is not configured: scheduled calls are refused" };
  const presented = header?.startsWith("Bearer ") ? header.slice(7) : "";
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(secret).digest();
  return timingSafeEqual(a, b) && presented.length > 0
    ? { ok: true }
    : { ok: false, error: "invalid or missing bearer token" };
}
