// `npm run demo`: build, migrate the database (embedded by default), backfill the bundled recorded
// history, then serve the app on http://localhost:$PORT (default 3000). Re-running is cheap:
// runs already recorded are skipped by their run keys.
import { spawnSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

const node = process.execPath;
process.env.NEXT_TELEMETRY_DISABLED ??= "1"; // no calls home from a local demo
const step = (title, args) => {
  console.log(`\n▶ ${title}`);
  const r = spawnSync(node, args, { stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`✖ ${title} failed (exit ${r.status})`);
    process.exit(r.status ?? 1);
  }
};

step("build", ["node_modules/next/dist/bin/next", "build"]);
step("migrate database", ["bin/vigil.mjs", "db", "migrate"]);
// The demo committee (well-known test keys, refused in production) approves and executes each
// proposal the backfill opens, so parameter histories move and guardrail traces show real delays.
step("backfill recorded Deribit history with the demo committee", [
  "bin/vigil.mjs",
  "backfill",
  "--demo-committee",
]);
const port = process.env.PORT ?? "3000";
process.env.NEXTAUTH_URL ??= `http://localhost:${port}`;
if (!process.env.NEXTAUTH_SECRET) {
  // A local demo keeps its own random session secret beside its database; a deployment sets one.
  const file = ".data/nextauth-secret";
  if (!existsSync(file)) {
    mkdirSync(".data", { recursive: true });
    writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600 });
  }
  process.env.NEXTAUTH_SECRET = readFileSync(file, "utf8").trim();
}
console.log(`\n▶ serving on http://localhost:${port}`);
const server = spawn(node, ["node_modules/next/dist/bin/next", "start", "-p", port], {
  stdio: "inherit",
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.kill(sig));
server.on("exit", (code) => process.exit(code ?? 0));
