// `npm run bench`: runs every bench/*.bench.ts in turn and prints one markdown table per section.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface BenchSection {
  title: string;
  rows: Array<Record<string, string | number>>;
}

const dir = fileURLToPath(new URL(".", import.meta.url));
const only = process.argv[2];
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .sort()) {
  if (only && !file.includes(only)) continue;
  const mod = (await import(new URL(file, import.meta.url).href)) as {
    default: () => Promise<BenchSection[]>;
  };
  for (const section of await mod.default()) printTable(section);
}

function printTable({ title, rows }: BenchSection): void {
  console.log(`\n### ${title}\n`);
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]);
  const cell = (v: string | number) =>
    typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : v;
  console.log(`| ${cols.join(" | ")} |`);
  console.log(`|${cols.map(() => "---").join("|")}|`);
  for (const r of rows) console.log(`| ${cols.map((c) => cell(r[c] ?? "")).join(" | ")} |`);
}
