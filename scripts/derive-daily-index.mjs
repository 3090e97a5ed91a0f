// Derives data/deribit_index_daily_{BTC,ETH}.csv from the recorded daily OTM option files
// (../shared/data/deribit_options_daily_OTM_*.csv, see data/SOURCES.md). For each day's snapshot it
// takes the underlying_price of the nearest expiry: expiries under ~3 days use Deribit's spot index
// as their forward, so this is the recorded index at the snapshot time. Run once; output committed.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const src = process.argv[2] ?? "../shared/data";
for (const asset of ["BTC", "ETH"]) {
  const lines = readFileSync(join(src, `deribit_options_daily_OTM_${asset}.csv`), "utf8")
    .trim()
    .split("\n");
  const header = lines[0].split(",");
  const col = (name) => header.indexOf(name);
  const best = new Map();
  for (const line of lines.slice(1)) {
    const f = line.split(",");
    const snap = f[col("snapshot_utc")];
    const expiry = f[col("expiry_date")];
    const prev = best.get(snap);
    if (!prev || expiry < prev.expiry)
      best.set(snap, { expiry, price: f[col("underlying_price")] });
  }
  const out = ["date,snapshot_utc,index_usd,nearest_expiry"];
  for (const [snap, { expiry, price }] of [...best].sort()) {
    out.push(`${snap.slice(0, 10)},${snap},${price},${expiry}`);
  }
  writeFileSync(`data/deribit_index_daily_${asset}.csv`, out.join("\n") + "\n");
}
