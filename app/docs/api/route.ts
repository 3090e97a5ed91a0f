import { ApiReference } from "@scalar/nextjs-api-reference";

/**
 * GET /docs/api: the API reference, rendered by Scalar from /api/v1/openapi.json. Its script is
 * served from this deployment (/docs/api/scalar.js), so the page keeps to the site's CSP
 * (script-src 'self') and needs no third-party host.
 */
export const GET = ApiReference({
  url: "/api/v1/openapi.json",
  cdn: "/docs/api/scalar.js",
  pageTitle: "Vigil API reference",
  hideClientButton: true,
  telemetry: false,
  withDefaultFonts: false,
  favicon: "/icon.svg",
  // Its AI agent would call Scalar's hosted services; the page stays on this origin.
  agent: { disabled: true },
});
