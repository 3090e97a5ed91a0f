// The shared reference values: ../shared/reference/golden.json from the repository root (the
// project's source of truth, next to the checkout), or, where the shared folder is absent (a
// plain clone, CI), the repository's copy tests/fixtures/golden.json (identical today; the test
// in heston.test.ts fails if the two ever differ).
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const SHARED_GOLDEN = fileURLToPath(
  new URL("../../../shared/reference/golden.json", import.meta.url),
);
export const FIXTURE_GOLDEN = fileURLToPath(new URL("../fixtures/golden.json", import.meta.url));

export function readGolden<T>(): T {
  const file = existsSync(SHARED_GOLDEN) ? SHARED_GOLDEN : FIXTURE_GOLDEN;
  return JSON.parse(readFileSync(file, "utf8")) as T;
}
