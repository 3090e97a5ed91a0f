// VIGIL_CONFIG: the operator's JSON file, validated by the same schemas as the defaults.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../lib/config";
import { ConfigFileError, loadConfig, readConfigFile } from "../../lib/configFile";

const EXAMPLE = "config/vigil.example.json";
const dir = mkdtempSync(join(tmpdir(), "vigil-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const example = () => JSON.parse(readFileSync(EXAMPLE, "utf8"));
function write(name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

describe("the shipped example", () => {
  it("is the built-in defaults, value for value", () => {
    // Regenerate after changing lib/config.ts:
    //   npx tsx -e 'import("./lib/config.ts").then(m => process.stdout.write(JSON.stringify(m.DEFAULT_CONFIG, null, 2) + "\n"))' > config/vigil.example.json
    expect(example()).toEqual(JSON.parse(JSON.stringify(DEFAULT_CONFIG)));
    expect(readConfigFile(EXAMPLE)).toEqual(DEFAULT_CONFIG);
  });

  it("applies with VIGIL_CONFIG; the defaults without it", () => {
    const custom = example();
    custom.markets = custom.markets.filter((m: { id: string }) => m.id === "deribit:ETH");
    custom.quorum = 3;
    const file = write("eth-only.json", custom);
    const config = loadConfig({ VIGIL_CONFIG: file });
    expect(config.markets.map((m) => m.id)).toEqual(["deribit:ETH"]);
    expect(config.quorum).toBe(3);
    expect(loadConfig({})).toBe(DEFAULT_CONFIG);
  });
});

describe("errors name the file and the field", () => {
  const fails = (file: string) => {
    try {
      readConfigFile(file);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigFileError);
      return (err as Error).message;
    }
    throw new Error("expected a ConfigFileError");
  };

  it("a bad value deep in a parameter's policy", () => {
    const bad = example();
    bad.markets[1].parameters[0].policy.level = 1.5;
    const file = write("bad-level.json", bad);
    expect(fails(file)).toMatch(
      new RegExp(`^VIGIL_CONFIG ${resolve(file)}: markets\\.1\\.parameters\\.0\\.policy\\.level: `),
    );
  });

  it("a missing field, a wrong type, bounds out of order", () => {
    const bad = example();
    delete bad.proposalTtlHours;
    bad.markets[0].minUsableQuotes = "many";
    bad.markets[0].parameters[0].max = bad.markets[0].parameters[0].min / 2;
    const msg = fails(write("several.json", bad));
    expect(msg).toMatch(/proposalTtlHours: /);
    expect(msg).toMatch(/markets\.0\.minUsableQuotes: /);
    expect(msg).toMatch(/markets\.0\.parameters\.0\.max: max must exceed min/);
  });

  it("not JSON, not there, a market listed twice", () => {
    expect(fails(write("broken.json", "{ markets: "))).toMatch(/broken\.json: is not JSON/);
    expect(fails(join(dir, "absent.json"))).toMatch(/absent\.json: cannot be read \(ENOENT\)/);
    const twice = example();
    twice.markets.push(twice.markets[0]);
    expect(fails(write("twice.json", twice))).toMatch(
      /markets: market 'deribit:BTC' is listed twice/,
    );
  });

  it("vigil run exits 2 with the message and writes nothing", () => {
    const bad = example();
    bad.markets[0].parameters[0].policy.guardrails.maxIncrease.kind = "percent";
    const file = write("cli.json", bad);
    const pglite = join(dir, "db");
    const r = spawnSync(
      process.execPath,
      ["bin/vigil.mjs", "run", "--once", "--at", "2026-03-04T10:00:00Z"],
      {
        env: {
          ...process.env,
          VIGIL_CONFIG: file,
          PGLITE_DIR: pglite,
          DATABASE_URL: "",
          POSTGRES_URL: "",
          DB_DRIVER: "",
        },
        encoding: "utf8",
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(resolve(file));
    expect(r.stderr).toContain("markets.0.parameters.0.policy.guardrails.maxIncrease.kind");
    expect(r.stdout).toBe("");
    expect(existsSync(pglite)).toBe(false);
  });
});
