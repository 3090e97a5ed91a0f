import { z } from "zod";
import { impliedVolResult } from "../../quant/impliedVol";

/** One input line: an undiscounted Black-76 option price and its contract. */
const IvInput = z.object({
  price: z.number(),
  forward: z.number(),
  strike: z.number(),
  t: z.number(),
  type: z.enum(["call", "put"]),
});

export interface IvOutput {
  iv: number | null;
  reason?: string;
}

/** Implied vol of one JSON line; never throws (a bad line gives iv null and the reason). */
export function ivOfLine(line: string): IvOutput {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { iv: null, reason: "invalid JSON" };
  }
  const parsed = IvInput.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.length ? issue.path.join(".") : "line";
    return { iv: null, reason: `invalid ${field}: ${issue.message}` };
  }
  const { price, forward, strike, t, type } = parsed.data;
  return impliedVolResult(price, forward, strike, t, type);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * `vigil iv`: reads JSON lines {"price","forward","strike","t","type"} on stdin and writes one line
 * {"iv": number | null, "reason"?: string} per input line, in order (blank lines are skipped).
 * Exit code 0 unless stdin cannot be read.
 */
export default async function iv(args: string[]): Promise<number> {
  if (args.length > 0) {
    process.stderr.write("usage: vigil iv < lines.jsonl\n");
    return 2;
  }
  let text: string;
  try {
    text = await readStdin();
  } catch (err) {
    process.stderr.write(`vigil iv: cannot read stdin: ${(err as Error).message}\n`);
    return 1;
  }
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    out.push(JSON.stringify(ivOfLine(line)));
  }
  if (out.length) process.stdout.write(out.join("\n") + "\n");
  return 0;
}
