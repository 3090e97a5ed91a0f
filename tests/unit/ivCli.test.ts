import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));

function runIv(input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/vigil.mjs", "iv"], { cwd: root });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe("vigil iv", () => {
  it("answers one JSON line per input line, in order, and never crashes on bad lines", async () => {
    const lines = [
      { price: 0.21312161604643892, forward: 100, strike: 100, t: 1 / 8760, type: "call" },
      "not json",
      { price: 9.010020309242865e-27, forward: 1, strike: 1.5, t: 1, type: "call" },
      { price: 5, forward: 100, strike: 100, t: 1, type: "straddle" },
      { price: "5", forward: 100, strike: 100, t: 1, type: "call" },
      { forward: 100, strike: 100, t: 1, type: "put" },
      { price: 9, forward: 100, strike: 90, t: 1, type: "call" },
      { price: 120, forward: 100, strike: 90, t: 1, type: "call" },
      { price: 5, forward: 100, strike: 100, t: 0, type: "put" },
      { price: 5, forward: -100, strike: 100, t: 1, type: "put" },
      [1, 2],
    ];
    const input = lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n");
    const { code, stdout, stderr } = await runIv(input + "\n\n");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const out = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { iv: number | null; reason?: string });
    expect(out).toHaveLength(lines.length);
    expect(out[0].iv).toBeCloseTo(0.5, 12);
    expect(out[0].reason).toBeUndefined();
    expect(out[1]).toEqual({ iv: null, reason: "invalid JSON" });
    expect(out[2].iv).toBeCloseTo(0.04, 14);
    expect(out[3].iv).toBeNull();
    expect(out[3].reason).toMatch(/^invalid type/);
    expect(out[4].reason).toMatch(/^invalid price/);
    expect(out[5].reason).toMatch(/^invalid price/);
    expect(out[6]).toEqual({ iv: null, reason: "price below intrinsic value" });
    expect(out[7]).toEqual({ iv: null, reason: "price at or above the upper bound" });
    expect(out[8]).toEqual({ iv: null, reason: "non-positive time to expiry" });
    expect(out[9].reason).toMatch(/forward/);
    expect(out[10].reason).toMatch(/^invalid line/);
  });

  it("prints nothing for empty input and exits 0", async () => {
    const { code, stdout } = await runIv("");
    expect(code).toBe(0);
    expect(stdout).toBe("");
  });
});
