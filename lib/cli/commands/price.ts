import { z } from "zod";
import { svPriceResult } from "../../quant/heston";

const Heston = z.object({
  v0: z.number(),
  kappa: z.number(),
  theta: z.number(),
  sigma: z.number(),
  rho: z.number(),
});
const Bates = Heston.extend({ lambda: z.number(), muJ: z.number(), sigmaJ: z.number() });
const common = {
  forward: z.number(),
  strike: z.number(),
  t: z.number(),
  type: z.enum(["call", "put"]),
};

/** One input line: a model, its parameters and an option on a forward (undiscounted). */
const PriceInput = z.discriminatedUnion("model", [
  z.object({ model: z.literal("heston"), params: Heston.strict(), ...common }),
  z.object({ model: z.literal("bates"), params: Bates.strict(), ...common }),
]);

export interface PriceOutput {
  price: number | null;
  reason?: string;
}

/** Price of one JSON line; never throws (a bad line gives price null and the reason). */
export function priceOfLine(line: string): PriceOutput {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { price: null, reason: "invalid JSON" };
  }
  const parsed = PriceInput.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.length ? issue.path.join(".") : "line";
    return { price: null, reason: `invalid ${field}: ${issue.message}` };
  }
  const { model, params, forward, strike, t, type } = parsed.data;
  const r = svPriceResult(model, params, forward, strike, t, type);
  return r.price === null ? { price: null, reason: r.reason } : { price: r.price };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * `vigil price`: reads JSON lines {"model": "heston"|"bates", "params", "forward", "strike", "t",
 * "type"} on stdin and writes one line {"price": number | null, "reason"?: string} per input
 * line, in order (blank lines are skipped). Prices are undiscounted, on the forward.
 * Exit 2 on arguments, 1 when stdin cannot be read, 0 otherwise.
 */
export default async function price(args: string[]): Promise<number> {
  if (args.length > 0) {
    process.stderr.write("usage: vigil price < lines.jsonl\n");
    return 2;
  }
  let text: string;
  try {
    text = await readStdin();
  } catch (err) {
    process.stderr.write(`vigil price: cannot read stdin: ${(err as Error).message}\n`);
    return 1;
  }
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    out.push(JSON.stringify(priceOfLine(line)));
  }
  if (out.length) process.stdout.write(out.join("\n") + "\n");
  return 0;
}
