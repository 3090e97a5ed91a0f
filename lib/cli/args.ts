/**
 * Parses `--name value` and `--flag` options. Every option must be declared; an unknown option or
 * a missing value is an error naming it, so a typo never silently runs with defaults.
 */
export interface ParsedArgs {
  positional: string[];
  options: Record<string, string>;
  flags: Set<string>;
}

export class UsageError extends Error {}

export function parseArgs(
  args: string[],
  spec: { options?: readonly string[]; flags?: readonly string[] },
): ParsedArgs {
  const options: Record<string, string> = {};
  const flags = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = a.slice(2, eq >= 0 ? eq : undefined);
    if (spec.flags?.includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags.add(name);
    } else if (spec.options?.includes(name)) {
      const value = eq >= 0 ? a.slice(eq + 1) : args[++i];
      if (value === undefined || value === "") throw new UsageError(`--${name} needs a value`);
      options[name] = value;
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return { positional, options, flags };
}
