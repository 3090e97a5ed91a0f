// A stored reason as the public may see it. The pipeline stores `<category>: <short message>` in
// its own words; anything else (older rows, text that may hold raw error detail) is reported as an
// internal failure with a fixed message, so no database or stack text ever reaches a public field.
import { PUBLIC_REASON_CATEGORIES } from "./schemas";

export type PublicReasonCategory = (typeof PUBLIC_REASON_CATEGORIES)[number];
export interface PublicReason {
  category: PublicReasonCategory;
  message: string;
}

const MAX_MESSAGE = 300;
const CATEGORY = new RegExp(`^(${PUBLIC_REASON_CATEGORIES.join("|")}): `);

export function publicReason(stored: string | null | undefined): PublicReason | null {
  if (!stored) return null;
  const m = CATEGORY.exec(stored);
  if (!m) return { category: "internal", message: "see the operator's server log" };
  const message = stored.slice(m[0].length);
  return {
    category: m[1] as PublicReasonCategory,
    message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message,
  };
}

/** The public reason as one line of text, for pages. */
export function publicReasonText(stored: string | null | undefined): string | null {
  const r = publicReason(stored);
  return r && `${r.category}: ${r.message}`;
}
