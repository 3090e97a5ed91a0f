// What `next build` puts into each route and page function (its .nft.json trace): never the
// embedded database, and the files the function reads at run time. Runs after a build (the test
// command is `next build && vitest run`); without a build there is nothing to check.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SERVER_APP = ".next/server/app";

function traces(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return traces(p);
    return p.endsWith(".js.nft.json") ? [p] : [];
  });
}

/** Route of a trace file, and the absolute paths it lists. */
function read(file: string): { route: string; files: string[] } {
  const { files } = JSON.parse(readFileSync(file, "utf8")) as { files: string[] };
  const route = "/" + relative(SERVER_APP, file).replace(/\.js\.nft\.json$/, "");
  return { route, files: files.map((f) => resolve(dirname(file), f)) };
}

describe.skipIf(!existsSync(SERVER_APP))("function traces of the build", () => {
  const all = traces(SERVER_APP).map(read);

  it("found the route and page functions", () => {
    const routes = all.map((t) => t.route);
    expect(routes).toContain("/api/cron/run/route");
    expect(routes).toContain("/api/cron/market/route");
    expect(routes).toContain("/markets/[market]/page");
    expect(all.length).toBeGreaterThan(10);
  });

  it("no function carries PGlite", () => {
    // Neither the package (or a bundler's alias of it) nor a chunk of its adapter.
    const carrying = all.filter((t) => t.files.some((f) => /pglite/i.test(f)));
    expect(carrying.map((t) => t.route)).toEqual([]);
  });

  // The functions that read the recorded data: the cron routes (the replay source) and the
  // what-if (it replays a policy over the recorded history).
  const READERS = [
    "/api/cron/run/route",
    "/api/cron/market/route",
    "/api/v1/markets/[market]/what-if/route",
  ];

  it("the functions that read the recorded data carry every file of it and the config files", () => {
    const csv = readdirSync("data")
      .filter((f) => f.endsWith(".csv"))
      .map((f) => resolve("data", f));
    const configs = readdirSync("config").map((f) => resolve("config", f));
    expect(csv.length).toBeGreaterThan(5);
    for (const route of READERS) {
      const t = all.find((x) => x.route === route)!;
      for (const f of [...csv, ...configs]) expect(t.files, `${route} lacks ${f}`).toContain(f);
    }
    const overview = all.find((x) => x.route === "/page")!;
    for (const f of configs) expect(overview.files).toContain(f);
  });

  it("no other function carries the recorded data (the tracer is not left to guess)", () => {
    const data = resolve("data") + "/";
    const carrying = all.filter(
      (t) => !READERS.includes(t.route) && t.files.some((f) => f.startsWith(data)),
    );
    expect(carrying.map((t) => t.route)).toEqual([]);
  });
});
