// RFC 4180 CSV: a header row, CRLF line ends, fields quoted when they hold a comma, quote or line
// break. Numbers are written in full (JSON's shortest round-trip form); null is an empty field.
export type CsvValue = string | number | boolean | null | undefined;

function field(v: CsvValue): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "number" ? (Number.isFinite(v) ? String(v) : "") : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv<K extends string>(
  columns: readonly K[],
  rows: Record<K, CsvValue>[],
): string {
  const lines = [columns.map(field).join(",")];
  for (const r of rows) lines.push(columns.map((c) => field(r[c])).join(","));
  return lines.join("\r\n") + "\r\n";
}
