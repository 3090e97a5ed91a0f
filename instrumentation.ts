// Runs once when a server instance starts: in production, no session secret means no start
// (next-auth would otherwise sign sessions with a guessable key).
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { refuseToStartWithoutSecret } = await import("./lib/auth/env");
  refuseToStartWithoutSecret();
}
