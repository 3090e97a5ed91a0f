import { describe, expect, it } from "vitest";
import { isConverged, levenbergMarquardt, nelderMead } from "../../lib/quant/optimize";

// Rosenbrock as least squares: r = (10(y − x²), 1 − x); minimum 0 at (1, 1).
const rosenRes = (x: Float64Array, r: Float64Array) => {
  r[0] = 10 * (x[1] - x[0] * x[0]);
  r[1] = 1 - x[0];
};
const rosenJac = (x: Float64Array, _r: Float64Array, J: Float64Array) => {
  J[0] = -20 * x[0];
  J[1] = 10;
  J[2] = -1;
  J[3] = 0;
};
const rosen = (x: Float64Array) => 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2;

describe("Levenberg–Marquardt", () => {
  it("minimises Rosenbrock from (−1.2, 1) with the analytic Jacobian", () => {
    const r = levenbergMarquardt(rosenRes, [-1.2, 1], 2, { jacobian: rosenJac });
    expect(isConverged(r.status)).toBe(true);
    expect(Math.abs(r.x[0] - 1)).toBeLessThan(1e-9);
    expect(Math.abs(r.x[1] - 1)).toBeLessThan(1e-9);
    expect(r.cost).toBeLessThan(1e-20);
  });

  it("minimises Rosenbrock with a forward-difference Jacobian", () => {
    const r = levenbergMarquardt(rosenRes, [-1.2, 1], 2);
    expect(Math.abs(r.x[0] - 1)).toBeLessThan(1e-7);
    expect(Math.abs(r.x[1] - 1)).toBeLessThan(1e-7);
  });

  it("respects bounds: the constrained optimum sits on the bound", () => {
    // min over x ≤ 0.5: the Rosenbrock valley gives x = 0.5, y = 0.25
    const r = levenbergMarquardt(rosenRes, [-1.2, 1], 2, {
      jacobian: rosenJac,
      upper: [0.5, Infinity],
    });
    expect(r.x[0]).toBeLessThanOrEqual(0.5);
    expect(Math.abs(r.x[0] - 0.5)).toBeLessThan(1e-9);
    expect(Math.abs(r.x[1] - 0.25)).toBeLessThan(1e-8);
  });

  it("fits an exponential decay exactly (zero-residual problem)", () => {
    const ts = Array.from({ length: 20 }, (_, i) => i / 4);
    const ys = ts.map((t) => 3 * Math.exp(-0.7 * t) + 0.5);
    const res = (p: Float64Array, r: Float64Array) =>
      ts.forEach((t, i) => (r[i] = p[0] * Math.exp(-p[1] * t) + p[2] - ys[i]));
    const r = levenbergMarquardt(res, [1, 0.1, 0], ts.length);
    expect(r.x[0]).toBeCloseTo(3, 7);
    expect(r.x[1]).toBeCloseTo(0.7, 7);
    expect(r.x[2]).toBeCloseTo(0.5, 7);
  });
});

describe("Nelder–Mead", () => {
  it("minimises Rosenbrock from (−1.2, 1)", () => {
    const r = nelderMead(rosen, [-1.2, 1], { maxEvaluations: 5000, ftol: 1e-16, xtol: 1e-10 });
    expect(isConverged(r.status)).toBe(true);
    expect(Math.abs(r.x[0] - 1)).toBeLessThan(1e-6);
    expect(Math.abs(r.x[1] - 1)).toBeLessThan(1e-6);
    expect(r.cost).toBeLessThan(1e-12);
  });

  it("minimises the 4-dimensional Rosenbrock function", () => {
    const f = (x: Float64Array) => {
      let s = 0;
      for (let i = 0; i < 3; i++) s += 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2;
      return s;
    };
    const r = nelderMead(f, [-1.2, 1, -1.2, 1], {
      maxEvaluations: 20000,
      ftol: 1e-16,
      xtol: 1e-10,
    });
    for (let i = 0; i < 4; i++) expect(Math.abs(r.x[i] - 1)).toBeLessThan(1e-5);
  });

  it("keeps trial points inside the box", () => {
    const seen: number[] = [];
    const r = nelderMead(
      (x) => {
        seen.push(x[0]);
        return (x[0] - 3) ** 2 + (x[1] + 1) ** 2;
      },
      [0, 0],
      { lower: [-1, -1], upper: [2, 2] },
    );
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...seen)).toBeLessThanOrEqual(2);
    expect(r.x[0]).toBeCloseTo(2, 8);
    expect(r.x[1]).toBeCloseTo(-1, 8);
  });
});
