// A stored reason as the public may see it. The pipeline stores `<category>: <short message>` in
// its own words (lib/pipeline/failure); anything else (older rows, text that may hold raw error
// detail) is reported as an internal failure with a fixed message, so no database or stack text
// ever reaches a public field.
import { failureCategory, type FailureCategory } from "../pipeline/failure";

export interface PublicReason {
  category: FailureCategory;
  message: string;
}

const MAX_MESSAGE = 300;

export function publicReason(stored: string | null | undefined): PublicReason | null {
  if (!stored) return null;
  const category = failureCategory(stored);
  if (!category) return { category: "internal", message: "see the operator's server log" };
  const message = stored.slice(category.length + 1).trimStart();
  return {
    category,
    message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message,
  };
}

/** The public reason as one line of text, for pages. */
export function publicReasonText(stored: string | null | undefined): string | null {
  const r = publicReason(stored);
  return r && `${r.category}: ${r.message}`;
}
