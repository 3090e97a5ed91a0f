// `vigil committee`, `vigil proposals execute` and `vigil audit verify` as an operator uses them,
// on an embedded database of their own: exit codes, output fields, refusals.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { wallet } from "../helpers/wallets";

const dir = mkdtempSync(join(tmpdir(), "vigil-committee-cli-"));
const vigil = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/vigil.mjs", ...args], {
    env: {
      ...process.env,
      PGLITE_DIR: join(dir, "db"),
      DATABASE_URL: "",
      POSTGRES_URL: "",
      DB_DRIVER: "",
    },
    encoding: "utf8",
  });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("committee and audit commands", () => {
  it("adds members by any-case address, stores them EIP-55, lists them as JSON, removes them", () => {
    const a = wallet(1).address;
    const added = vigil(
      "committee",
      "add",
      a.toLowerCase(),
      "--role",
      "reviewer",
      "--name",
      "Alice",
    );
    expect(added.status).toBe(0);
    expect(added.stdout).toContain(a);
    expect(vigil("committee", "add", wallet(3).address, "--role", "executor").status).toBe(0);
    const list = JSON.parse(vigil("committee", "list", "--json").stdout);
    expect(list).toEqual([
      expect.objectContaining({ address: a, role: "reviewer", name: "Alice", inForce: true }),
      expect.objectContaining({ address: wallet(3).address, role: "executor", inForce: true }),
    ]);
    expect(vigil("committee", "remove", a).status).toBe(0);
    const after = JSON.parse(vigil("committee", "list", "--json").stdout);
    expect(after[0]).toMatchObject({ address: a, inForce: false, removedAt: expect.any(String) });
    // Removing again: not a current member.
    expect(vigil("committee", "remove", a).status).toBe(1);
  });

  it("refuses bad addresses, roles and arguments with exit 2 and a message, writing nothing", () => {
    const before = vigil("committee", "list", "--json").stdout;
    for (const args of [
      ["committee", "add", "0x1234", "--role", "reviewer"],
      ["committee", "add", wallet(2).address, "--role", "king"],
      ["committee", "add", wallet(2).address],
      ["committee", "promote", wallet(2).address],
      ["proposals", "execute", "abc"],
      ["proposals", "execute", "1", "--tx", "0x12"],
      ["proposals", "execute", "1", "--at", "yesterday"],
      ["audit", "check"],
    ]) {
      const r = vigil(...args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr.length, args.join(" ")).toBeGreaterThan(0);
    }
    expect(vigil("committee", "list", "--json").stdout).toBe(before);
  });

  it("execute of a proposal that does not exist is refused; the audit chain of it all verifies", () => {
    const r = vigil("proposals", "execute", "42");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/proposal 42 does not exist/);
    const v = vigil("audit", "verify", "--json");
    expect(v.status).toBe(0);
    // Two additions and one removal, each an audit event.
    expect(JSON.parse(v.stdout)).toMatchObject({
      ok: true,
      events: 3,
      head: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });
});
