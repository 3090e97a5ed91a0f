import { describe, expect, it } from "vitest";
import { checkCronAuth } from "../../lib/auth/cronSecret";

describe("checkCronAuth", () => {
  it("accepts exactly the configured bearer token", () => {
    expect(checkCronAuth("Bearer s3cret", "s3cret")).toEqual({ ok: true });
  });
  it("refuses a wrong, prefixed, missing or non-bearer token", () => {
    for (const h of ["Bearer s3cre", "Bearer s3cret2", "Bearer ", "s3cret", "Basic s3cret", null]) {
      expect(checkCronAuth(h, "s3cret").ok, String(h)).toBe(false);
    }
  });
  it("refuses everything when no secret is configured", () => {
    const r = checkCronAuth("Bearer ", undefined);
    expect(r.ok).toBe(false);
    expect(checkCronAuth("Bearer x", "")).toMatchObject({
      ok: false,
      error: expect.stringMatching(/not configured/),
    });
  });
});
