import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));

function runPrice(
  args: string[],
  input: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/vigil.mjs", "price", ...args], { cwd: root });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

// Fang & Oosterlee (2008) Heston case of the shared golden values (r = q = 0, so the golden
// price is also the undiscounted price on the forward).
const fo = { v0: 0.0175, kappa: 1.5768, theta: 0.0398, sigma: 0.5751, rho: -0.5711 };
const FO_PRICE = 5.78515543437619;

describe("vigil price", () => {
  it("answers one JSON line per input line, in order, and never crashes on bad lines", async () => {
    const opt = { forward: 100, strike: 100, t: 1, type: "call" };
    const lines: unknown[] = [
      { model: "heston", params: fo, ...opt },
      { model: "bates", params: { ...fo, lambda: 0, muJ: -0.2, sigmaJ: 0.3 }, ...opt },
      "not json",
      { model: "bates", params: fo, ...opt },
      { model: "sabr", params: fo, ...opt },
      { model: "heston", params: { ...fo, v0: -0.01 }, ...opt },
      { model: "heston", params: { ...fo, rho: "x" }, ...opt },
      { model: "heston", params: fo, ...opt, t: 0 },
      { model: "heston", params: fo, ...opt, type: "straddle" },
      { model: "heston", params: fo, ...opt, type: "put" },
      [1, 2],
    ];
    const input = lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n");
    const { code, stdout, stderr } = await runPrice([], input + "\n\n");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const out = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { price: number | null; reason?: string });
    expect(out).toHaveLength(lines.length);
    expect(Math.abs(out[0].price! - FO_PRICE) / FO_PRICE).toBeLessThan(1e-9);
    expect(out[0].reason).toBeUndefined();
    expect(out[1].price).toBe(out[0].price); // λ = 0: Bates is Heston
    expect(out[2]).toEqual({ price: null, reason: "invalid JSON" });
    expect(out[3].price).toBeNull();
    expect(out[3].reason).toMatch(/^invalid params\.lambda/);
    expect(out[4].reason).toMatch(/^invalid model/);
    expect(out[5].reason).toMatch(/v0 must be non-negative/);
    expect(out[6].reason).toMatch(/^invalid params\.rho/);
    expect(out[7].reason).toMatch(/\bt must be a positive/);
    expect(out[8].reason).toMatch(/^invalid type/);
    // put–call parity at the money: P = C
    expect(Math.abs(out[9].price! - FO_PRICE) / FO_PRICE).toBeLessThan(1e-9);
    expect(out[10].price).toBeNull();
  });

  it("exits 2 with the usage on arguments", async () => {
    const { code, stderr, stdout } = await runPrice(["--model", "heston"], "");
    expect(code).toBe(2);
    expect(stderr).toMatch(/usage: vigil price/);
    expect(stdout).toBe("");
  });
});
