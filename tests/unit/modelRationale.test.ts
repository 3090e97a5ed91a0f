// The rationale's model sentences (lib/governance/rationale): said when the run is in a flagged
// parameter regime or its model-risk index is above the market's threshold, and only then.
import { describe, expect, it } from "vitest";
import { modelSentences } from "../../lib/governance/rationale";

describe("modelSentences", () => {
  it("says nothing in a quiet regime with a low index", () => {
    expect(modelSentences({ flagged: [], modelRiskIndex: 0.08 }, 0.15)).toEqual([]);
    expect(modelSentences({ flagged: [], modelRiskIndex: null }, 0.15)).toEqual([]);
  });

  it("names the flagged model, its parameters and the run of the flag", () => {
    const [s] = modelSentences(
      {
        flagged: [{ model: "heston", since: "2026-08-12T11:16:20.000Z", parameters: ["kappa"] }],
        modelRiskIndex: 0.1,
      },
      0.15,
    );
    expect(s).toMatch(/^REGIME: the calibrated heston parameters shifted \(kappa\)/);
    expect(s).toContain("2026-08-12 11:16 UTC");
    expect(s).toContain("flagged regime");
  });

  it("warns when the model-risk index is above the threshold", () => {
    const out = modelSentences({ flagged: [], modelRiskIndex: 0.2 }, 0.15);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(
      /^WARNING: the model-risk index is 20\.0 % \(above the configured 15\.0 %\)/,
    );
  });
});
