import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ConfigFileError } from "../configFile";
import { UsageError } from "./args";

/** A CLI command: receives its own arguments, returns the process exit code. */
export type Command = (args: string[]) => Promise<number>;

const USAGE = `usage: vigil <command> [options]

commands:
  db migrate                 apply the committed SQL migrations
  run --once [--market M] [--at ISO] [--json]
                             one pipeline run (bundled replay data as of --at)
  backfill [--from ISO] [--to ISO] [--json]
                             one run per bundled snapshot, in time order
  scheduler                  run the scheduled jobs in-process (self-hosting)
  committee add|remove|list  the risk committee's members and roles
  proposals execute <id>     record that an approved proposal took effect
  audit verify [--json]      recompute the audit chain and check every review signature
  iv                         implied vols of JSON lines on stdin
  price                      Heston / Bates prices of JSON lines on stdin
  calibrate <file>           fit a volatility surface (or Heston / Bates) to a chain file
  var --prices <csv>         VaR / ES of a daily price series
  backtest --prices <csv>    backtest a VaR method over a daily price series
  policy backtest --market M --parameter P [--from ISO-date] [--to ISO-date] [--json]
                             replay a parameter's policy and guardrails over the bundled history
`;

/** Commands live one per file in ./commands/<name>.ts and export `default` as a Command. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  if (!/^[a-z][a-z-]*$/.test(name)) return unknown(name);
  const file = fileURLToPath(new URL(`./commands/${name}.ts`, import.meta.url));
  if (!existsSync(file)) return unknown(name);
  const mod = (await import(file)) as { default: Command };
  try {
    return await mod.default(rest);
  } catch (err) {
    process.stderr.write(`vigil ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof UsageError || err instanceof ConfigFileError ? 2 : 1;
  }
}

function unknown(name: string): number {
  process.stderr.write(`vigil: unknown command '${name}'\n\n${USAGE}`);
  return 2;
}
