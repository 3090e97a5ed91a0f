import { describe, expect, it } from "vitest";
import { bocpd, cusum, cusumComponents } from "../../lib/quant/changePoint";
import { invertSpd, kalmanFilter, leastSquaresCovariance } from "../../lib/quant/kalman";
import { Prng } from "../../lib/quant/prng";

describe("Kalman filter", () => {
  it("solves the scalar local-level model of a hand computation", () => {
    // x_t = x_{t−1} + w, Q = 1; z_t = x_t + ε, R = 2; prior x₀ = 0, P₀ = 10; z = 1, 3, 2.
    // t=1: P⁻ = 11, S = 13, K = 11/13, v = 1,     x = 11/13,        P = 22/13
    // t=2: P⁻ = 35/13, S = 61/13, K = 35/61, v = 28/13, x = 1651/793, P = 70/61
    // t=3: P⁻ = 131/61, S = 253/61, K = 131/253, v = −5/61, x = 1651/793 − 655/15433, P = 262/253
    const out = kalmanFilter([[1], [3], [2]], [[[2]], [[2]], [[2]]], {
      x0: [0],
      p0: [[10]],
      q: [[1]],
    });
    const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-14);
    close(out[0].x[0], 11 / 13);
    close(out[0].p[0][0], 22 / 13);
    close(out[0].innovation![0], 1);
    close(out[0].innovationCov![0][0], 13);
    close(out[0].standardized![0], 1 / Math.sqrt(13));
    close(out[1].x[0], 1651 / 793);
    close(out[1].p[0][0], 70 / 61);
    close(out[1].innovation![0], 28 / 13);
    close(out[1].standardized![0], 28 / 13 / Math.sqrt(61 / 13));
    close(out[2].x[0], 1651 / 793 - 655 / 15433);
    close(out[2].p[0][0], 262 / 253);
    close(out[2].innovation![0], -5 / 61);
  });

  it("predicts only through a missing step, and starts from the first measurement without a prior", () => {
    const out = kalmanFilter([[1], null, [3]], [[[2]], null, [[2]]], { q: [[1]] });
    // diffuse start: x = 1, P = R = 2; t=2 missing: P = 3; t=3: P⁻ = 4, S = 6, K = 2/3
    expect(out[0].x[0]).toBe(1);
    expect(out[0].innovation).toBeNull();
    expect(out[1].x[0]).toBe(1);
    expect(out[1].p[0][0]).toBe(3);
    expect(out[1].standardized).toBeNull();
    expect(Math.abs(out[2].x[0] - (1 + (2 / 3) * 2))).toBeLessThan(1e-15);
    expect(Math.abs(out[2].p[0][0] - (1 - 2 / 3) * 4)).toBeLessThan(1e-15);
  });

  it("decouples into scalar filters for diagonal covariances", () => {
    // two independent local-level models, the second with Q = 0.5, R = 1, prior 0 / 4
    const z = [
      [1, -1],
      [3, 0.5],
    ];
    const r = z.map(() => [
      [2, 0],
      [0, 1],
    ]);
    const out = kalmanFilter(z, r, {
      x0: [0, 0],
      p0: [
        [10, 0],
        [0, 4],
      ],
      q: [
        [1, 0],
        [0, 0.5],
      ],
    });
    // second component: P⁻ = 4.5, S = 5.5, K = 9/11, x = −9/11; P = 9/11;
    // then P⁻ = 9/11 + 1/2 = 29/22, S = 51/22, K = 29/51, x = −9/11 + 29/51·(0.5 + 9/11)
    expect(Math.abs(out[0].x[1] + 9 / 11)).toBeLessThan(1e-15);
    expect(Math.abs(out[1].x[1] - (-9 / 11 + (29 / 51) * (0.5 + 9 / 11)))).toBeLessThan(1e-14);
    expect(Math.abs(out[1].x[0] - 1651 / 793)).toBeLessThan(1e-14);
    expect(out[1].p[0][1]).toBeCloseTo(0, 15);
  });
});

describe("calibration covariance (JᵀJ)⁻¹σ̂²", () => {
  it("equals the textbook OLS covariance of a straight-line fit", () => {
    // y = a + b·x: J rows (1, x_i); Var b = σ̂²/Sxx, Var a = σ̂²(1/n + x̄²/Sxx), Cov = −x̄σ̂²/Sxx
    const xs = [0, 1, 2, 3, 4, 5];
    const ys = [1.1, 2.9, 5.2, 7.1, 8.8, 11.3];
    const n = xs.length;
    const xbar = xs.reduce((s, v) => s + v, 0) / n;
    const ybar = ys.reduce((s, v) => s + v, 0) / n;
    const sxx = xs.reduce((s, v) => s + (v - xbar) ** 2, 0);
    const b = xs.reduce((s, v, i) => s + (v - xbar) * (ys[i] - ybar), 0) / sxx;
    const a = ybar - b * xbar;
    const res = xs.map((x, i) => a + b * x - ys[i]);
    const s2 = res.reduce((s, v) => s + v * v, 0) / (n - 2);
    const J = xs.flatMap((x) => [1, x]);
    const cov = leastSquaresCovariance(J, res, n, 2)!;
    expect(cov[1][1]).toBeCloseTo(s2 / sxx, 14);
    expect(cov[0][0]).toBeCloseTo(s2 * (1 / n + (xbar * xbar) / sxx), 14);
    expect(cov[0][1]).toBeCloseTo((-xbar * s2) / sxx, 14);
    // not identified: a column of zeros; too few residuals
    expect(
      leastSquaresCovariance(
        xs.flatMap(() => [1, 0]),
        res,
        n,
        2,
      ),
    ).toBeNull();
    expect(leastSquaresCovariance([1, 2], [0.1], 1, 2)).toBeNull();
  });

  it("invertSpd inverts a known 3×3 matrix", () => {
    const inv = invertSpd([
      [4, 2, 0],
      [2, 5, 1],
      [0, 1, 3],
    ])!;
    // adjugate / det, det = 4(15−1) − 2(6) = 44
    const expected = [
      [14 / 44, -6 / 44, 2 / 44],
      [-6 / 44, 12 / 44, -4 / 44],
      [2 / 44, -4 / 44, 16 / 44],
    ];
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) expect(inv[i][j]).toBeCloseTo(expected[i][j], 14);
    expect(
      invertSpd([
        [1, 2],
        [2, 1],
      ]),
    ).toBeNull();
  });
});

describe("CUSUM change points", () => {
  const normals = (seed: number, n: number) => {
    const rng = new Prng(seed);
    return Array.from({ length: n }, () => rng.normal());
  };

  it("computes Page's sums of a hand-worked series", () => {
    // k = 0.5, h = 2: S⁺: 0.5, 2.0, 3.0>2 → flag at 2 (restart), then 0, 0.5
    const r = cusum([1, 2, 1.5, 0, 1], { k: 0.5, h: 2 });
    expect(r.upper).toEqual([0.5, 2, 3, 0, 0.5]);
    expect(r.flagged).toEqual([2]);
    expect(r.direction).toEqual([1]);
    const d = cusum([-3, -0.4, null, -1], { k: 0.5, h: 2.5 });
    expect(d.lower).toEqual([2.5, 2.4, 2.4, 2.9]);
    expect(d.flagged).toEqual([3]);
    expect(d.direction).toEqual([-1]);
    expect(() => cusum([1], { h: 0 })).toThrow();
  });

  it("flags a planted 2σ shift soon after it, and nothing before it", () => {
    const z = normals(2026, 300).map((v, i) => (i >= 150 ? v + 2 : v));
    // h = 8 (in-control ARL two-sided ≈ 9 500 by Siegmund's approximation): a false alarm in
    // 150 steps has probability ≈ 1.6 %; a 2σ shift is expected to be caught after
    // ≈ (h + 1.166)/(δ − k) ≈ 6 steps.
    const r = cusum(z, { k: 0.5, h: 8 });
    expect(r.flagged.length).toBeGreaterThan(0);
    expect(r.flagged[0]).toBeGreaterThanOrEqual(150);
    expect(r.flagged[0]).toBeLessThanOrEqual(150 + 15);
    expect(r.direction[0]).toBe(1);
  });

  it("flags nothing on an in-control series with a fixed seed", () => {
    expect(cusum(normals(7, 300), { k: 0.5, h: 8 }).flagged).toEqual([]);
  });

  it("on Kalman standardized innovations: a jump in one parameter is flagged in that component", () => {
    const rng = new Prng(11);
    // true parameters: constant, the second one jumps by 0.5 at step 60; measurement sd 0.05
    const z: number[][] = [];
    for (let t = 0; t < 120; t++) {
      z.push([1 + 0.05 * rng.normal(), (t >= 60 ? 0.8 : 0.3) + 0.05 * rng.normal()]);
    }
    const r = z.map(() => [
      [0.0025, 0],
      [0, 0.0025],
    ]);
    const steps = kalmanFilter(z, r, {
      q: [
        [1e-6, 0],
        [0, 1e-6],
      ],
    });
    const { byComponent, flagged } = cusumComponents(
      steps.map((s) => s.standardized),
      { k: 0.5, h: 8 },
    );
    expect(byComponent[0].flagged).toEqual([]);
    expect(byComponent[1].flagged[0]).toBeGreaterThanOrEqual(60);
    expect(byComponent[1].flagged[0]).toBeLessThanOrEqual(65);
    expect(flagged[0]).toBe(byComponent[1].flagged[0]);
  });
});

describe("Bayesian online change points (Adams & MacKay)", () => {
  const normals = (seed: number, n: number) => {
    const rng = new Prng(seed);
    return Array.from({ length: n }, () => rng.normal());
  };
  const npdf = (x: number, m: number, v: number) =>
    Math.exp((-0.5 * (x - m) ** 2) / v) / Math.sqrt(2 * Math.PI * v);

  it("run-length posterior of two steps worked by hand", () => {
    const H = 0.1;
    const tau2 = 4;
    const [z1, z2] = [0.7, 2.5];
    // step 1: both run lengths see the prior predictive N(0, 1 + τ²): P = (H, 1 − H)
    // step 2: r = 0 predicts N(0, 1 + τ²); r = 1 predicts N(z₁/(1 + 1/τ²), 1 + 1/(1 + 1/τ²))
    const p0 = npdf(z2, 0, 1 + tau2);
    const p1 = npdf(z2, z1 / (1 + 1 / tau2), 1 + 1 / (1 + 1 / tau2));
    const un = [(H * p0 + (1 - H) * p1) * H, H * p0 * (1 - H), (1 - H) * p1 * (1 - H)];
    const tot = un[0] + un[1] + un[2];
    const r = bocpd([z1, z2], { hazard: H, priorVar: tau2 });
    r.posterior.forEach((p, i) => expect(p).toBeCloseTo(un[i] / tot, 15));
  });

  it("locates a planted 2σ shift and flags nothing in control (fixed seeds)", () => {
    // hazard 1/1000: the prior expects one change in 1 000 steps
    const z = normals(2026, 300).map((v, i) => (i >= 150 ? v + 2 : v));
    const r = bocpd(z, { hazard: 1 / 1000 });
    expect(r.flagged.length).toBe(1);
    expect(Math.abs(r.flagged[0] - 150)).toBeLessThanOrEqual(3);
    expect(bocpd(normals(7, 300), { hazard: 1 / 1000 }).flagged).toEqual([]);
  });
});
