// Daily price CSVs in any of the bundled layouts: a date column and one price column
// (`date,price,volume`, `date,value`, `date,snapshot_utc,index_usd,nearest_expiry`, …).
import { readFileSync } from "node:fs";

export interface PriceSeries {
  dates: string[];
  prices: number[];
  /** Rows that were not used, with why: bad price, bad or duplicate or out-of-order date. */
  issues: { line: number; reason: string }[];
}

const PRICE_COLUMNS = ["price", "close", "value", "index_usd", "adj_close", "open"];

export function parsePriceCsv(text: string): PriceSeries {
  const lines = text.split(/\r?\n/);
  const header = lines[0]?.split(",").map((h) => h.trim().toLowerCase()) ?? [];
  const dateCol = header.indexOf("date") >= 0 ? header.indexOf("date") : 0;
  let priceCol = PRICE_COLUMNS.map((c) => header.indexOf(c)).find((i) => i >= 0) ?? -1;
  if (priceCol < 0) {
    // Otherwise the only column besides the date whose first row is numeric.
    const first = lines[1]?.split(",") ?? [];
    const numeric = header
      .map((_, i) => i)
      .filter((i) => i !== dateCol && Number.isFinite(Number(first[i])) && first[i] !== "");
    if (numeric.length === 1) priceCol = numeric[0];
  }
  if (header.length < 2 || priceCol < 0) {
    throw new Error(
      `no date and price columns found in header '${lines[0] ?? ""}' (expected a date column and one of ${PRICE_COLUMNS.join(", ")})`,
    );
  }
  const out: PriceSeries = { dates: [], prices: [], issues: [] };
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    const f = lines[i].split(",");
    const day = (f[dateCol] ?? "").trim().slice(0, 10);
    const price = Number(f[priceCol]);
    const line = i + 1;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(day))) {
      out.issues.push({ line, reason: `bad date '${f[dateCol] ?? ""}'` });
    } else if (!(price > 0) || !Number.isFinite(price)) {
      out.issues.push({ line, reason: `bad price '${f[priceCol] ?? ""}' on ${day}` });
    } else if (out.dates.length && day <= out.dates[out.dates.length - 1]) {
      out.issues.push({
        line,
        reason: `${day === out.dates[out.dates.length - 1] ? "duplicate" : "out-of-order"} date ${day}`,
      });
    } else {
      out.dates.push(day);
      out.prices.push(price);
    }
  }
  return out;
}

export function readPriceCsv(path: string): PriceSeries {
  return parsePriceCsv(readFileSync(path, "utf8"));
}
