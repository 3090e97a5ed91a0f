// The end-to-end suites' set-up: a database of their own (on the Postgres server, or an embedded
// PGlite in a temporary folder), the CLI against it, and `next start` of the build on a free port.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import pg from "pg";
import { freePort, waitFor } from "./browser";

/** Environment variables of a child process (Next's types make NODE_ENV required; it is not). */
export type Env = Record<string, string | undefined>;

const withDatabase = (serverUrl: string, name: string) => {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
};

/** Creates the database `name` on the server (a leftover of that name is dropped first); its URL. */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return withDatabase(serverUrl, name);
}

/** Drops the database `name`, once the sessions that are saying goodbye have gone. */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const a = new pg.Client({ connectionString: serverUrl });
  await a.connect();
  try {
    // A pool's end() resolves once its clients have sent Terminate, not once the server has
    // closed them: forcing the drop at once would kill those sessions mid-goodbye.
    for (let i = 0; i < 100; i++) {
      const r = await a.query(
        "select count(*)::int as n from pg_stat_activity where datname = $1",
        [name],
      );
      if (r.rows[0].n === 0) break;
      await new Promise((done) => setTimeout(done, 50));
    }
    await a.query(`drop database if exists ${name} with (force)`);
  } finally {
    await a.end();
  }
}

/** One query on a connection of its own. */
export async function queryDb<T>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, values)).rows as T[];
  } finally {
    await c.end();
  }
}

/** The environment of a CLI or app on the server database at `url`. */
export const serverEnv = (url: string): Env => ({
  ...process.env,
  DATABASE_URL: url,
  DB_DRIVER: "pg",
});

/** The environment of a CLI or app on an embedded PGlite under `dir`, whatever server is configured. */
export const pgliteEnv = (dir: string): Env => ({
  ...process.env,
  PGLITE_DIR: dir,
  DATABASE_URL: "",
  POSTGRES_URL: "",
  DB_DRIVER: "",
});

/** Runs `vigil` and returns its standard output; a non-zero exit throws with its stderr. */
export function vigil(args: string[], env: Env): string {
  const r = spawnSync(process.execPath, ["bin/vigil.mjs", ...args], {
    env: env as NodeJS.ProcessEnv,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`vigil ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

export interface App {
  base: string;
  child: ChildProcess;
}

/**
 * `next start` of the build on a free port, with `env` (NEXTAUTH_URL is the app's own address
 * unless given); resolves once `ready` answers below 500, or with `status` when given.
 */
export async function startApp(env: Env, ready = "/icon.svg", status?: number): Promise<App> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    ["node_modules/next/dist/bin/next", "start", "-p", String(port), "-H", "127.0.0.1"],
    {
      env: { NEXTAUTH_URL: base, ...env } as NodeJS.ProcessEnv,
      stdio: ["ignore", "ignore", "ignore"],
    },
  );
  try {
    await waitFor(`${base}${ready}`, 60_000, status);
  } catch (e) {
    child.kill("SIGTERM");
    throw e;
  }
  return { base, child };
}

/** Stops the apps and gives them a moment to close their connections. */
export async function stopApps(apps: (App | undefined)[]): Promise<void> {
  for (const a of apps) a?.child.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 500));
}
