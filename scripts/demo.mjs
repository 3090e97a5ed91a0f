// `npm run demo`: build, migrate the database (embedded by default), backfill the bundled recorded
// history, then serve the app on http://localhost:$PORT (default 3000). Re-running is cheap:
// runs already recorded are skipped by their run keys.
import { spawnSync, spawn } from "node:child_process";

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
step("backfill recorded Deribit history", ["bin/vigil.mjs", "backfill"]);
const port = process.env.PORT ?? "3000";
console.log(`\n▶ serving on http://localhost:${port}`);
const server = spawn(node, ["node_modules/next/dist/bin/next", "start", "-p", port], {
  stdio: "inherit",
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.kill(sig));
server.on("exit", (code) => process.exit(code ?? 0));
