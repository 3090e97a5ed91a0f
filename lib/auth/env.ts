// Sign-in and review settings from the environment, read in one place.
import { z } from "zod";

const AuthEnvSchema = z.object({
  /** The app's public URL: its host is the only domain a SIWE message may name. */
  NEXTAUTH_URL: z.url().optional(),
  NEXTAUTH_SECRET: z.string().min(1).optional(),
  /** The chain id SIWE messages and EIP-712 review domains must carry. */
  SIWE_CHAIN_ID: z.coerce.number().int().positive().default(1),
  /** JSON-RPC endpoint for EIP-1271 (smart-contract wallet) signatures; unset → EOAs only. */
  SIWE_RPC_URL: z.url().optional(),
});

export type AuthEnv = z.infer<typeof AuthEnvSchema>;

export function authEnv(env: Record<string, string | undefined> = process.env): AuthEnv {
  const parsed = AuthEnvSchema.safeParse({
    NEXTAUTH_URL: env.NEXTAUTH_URL || undefined,
    NEXTAUTH_SECRET: env.NEXTAUTH_SECRET || undefined,
    SIWE_CHAIN_ID: env.SIWE_CHAIN_ID || undefined,
    SIWE_RPC_URL: env.SIWE_RPC_URL || undefined,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${issue.path.join(".")}: ${issue.message}`);
  }
  return parsed.data;
}

/** In production the app refuses to run without a session secret (sessions would be forgeable). */
export function assertProductionSecret(env: Record<string, string | undefined> = process.env) {
  if (env.NODE_ENV === "production" && !env.NEXTAUTH_SECRET)
    throw new Error("NEXTAUTH_SECRET must be set in production (a long random string)");
}

/** For the server's start: a missing production secret ends the process with the reason. */
export function refuseToStartWithoutSecret(env: Record<string, string | undefined> = process.env) {
  try {
    assertProductionSecret(env);
  } catch (err) {
    console.error(`Vigil refuses to start: ${(err as Error).message}`);
    process.exit(1);
  }
}
