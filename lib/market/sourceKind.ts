// Kept apart from sources.ts: readers (pages, queries) need the kind without loading the sources
// themselves (the replay source reads the bundled data directory).
export type SourceKind = "live" | "replay" | "simulator";

/**
 * The kind of a source or snapshot by its name: stored histories and snapshots are keyed by it,
 * so a simulator or replay run never reads or writes the live market's history.
 */
export function sourceKindOf(name: string): SourceKind {
  if (name === "deribit") return "live";
  if (name.startsWith("simulator")) return "simulator";
  return "replay";
}
