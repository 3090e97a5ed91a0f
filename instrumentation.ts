// Runs once when a server instance starts: in production, no session secret means no start
// (next-auth would otherwise sign sessions with a guessable key).
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { assertProductionSecret } = await import("./lib/auth/env");
  try {
    assertProductionSecret();
  } catch (err) {
    console.error(`Vigil refuses to start: ${(err as Error).message}`);
    process.exit(1);
  }
}
