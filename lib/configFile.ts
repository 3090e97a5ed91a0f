// The operator's configuration: VIGIL_CONFIG=<path> names a JSON file of markets, parameters,
// policies and guardrails, validated by the same zod schemas as the built-in defaults
// (lib/config.ts). Unset, the defaults apply; config/vigil.example.json is them as a file.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { DEFAULT_CONFIG, VigilConfigSchema, type VigilConfig } from "./config";

/** A configuration file that cannot be used; the message names the file and the field. */
export class ConfigFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`VIGIL_CONFIG ${file}: ${message}`);
    this.name = "ConfigFileError";
  }
}

const cache = new Map<string, { text: string; config: VigilConfig }>();

/** The configuration in force: the file VIGIL_CONFIG names, else the built-in defaults. */
export function loadConfig(env: Record<string, string | undefined> = process.env): VigilConfig {
  const path = env.VIGIL_CONFIG?.trim();
  return path ? readConfigFile(path) : DEFAULT_CONFIG;
}

/** Reads and validates one configuration file (relative paths from the working directory). */
export function readConfigFile(path: string): VigilConfig {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigFileError(file, `cannot be read (${(err as NodeJS.ErrnoException).code})`);
  }
  const hit = cache.get(file);
  if (hit?.text === text) return hit.config;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigFileError(file, `is not JSON: ${(err as Error).message}`);
  }
  const parsed = VigilConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (i) => `${i.path.length ? i.path.join(".") : "(top level)"}: ${i.message}`,
    );
    throw new ConfigFileError(file, issues.join("; "));
  }
  const ids = parsed.data.markets.map((m) => m.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new ConfigFileError(file, `markets: market '${dup}' is listed twice`);
  cache.set(file, { text, config: parsed.data });
  return parsed.data;
}
