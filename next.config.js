// Security headers on every page and route (issue 14): a Content-Security-Policy the pages pass
// without console errors, no sniffing, no framing, a strict referrer and no powerful features.
// Next's own inline bootstrap scripts and recharts' inline styles need 'unsafe-inline'; the dev
// server's hot reload needs 'unsafe-eval', production never does.
const production = process.env.NODE_ENV === "production";
const csp = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${production ? "" : " 'unsafe-eval'"}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const securityHeaders = [
  { key: "Content-Security-Policy", value: csp },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "X-Frame-Options", value: "DENY" },
  {
    key: "Permissions-Policy",
    value: "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
  },
  ...(production
    ? [{ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" }]
    : []),
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  // PGlite ships a WASM Postgres and node-postgres native bits: load them from node_modules at run time.
  serverExternalPackages: ["@electric-sql/pglite", "pg"],
  // Function bundles (issue 12). PGlite (~27 MB of WASM) can never run in a function (it writes
  // under the read-only deployment directory; db/client.ts refuses it on Vercel): no trace
  // carries it. The files a function reads at run time are declared, not left to the tracer:
  // the cron routes read the bundled recorded data (the replay source), and any page or route
  // may read the operator's config file, kept under config/ (VIGIL_CONFIG).
  // Turbopack also traces a hashed alias of the package (node_modules/@electric-sql/pglite-<hash>)
  // and the lazy chunks of db/pglite.ts' imports: every path naming pglite is left out.
  outputFileTracingExcludes: {
    "/**": ["**/*pglite*", "**/*pglite*/**"],
  },
  // The API reference page's script is served from the installed package (/docs/api/scalar.js).
  outputFileTracingIncludes: {
    "/api/cron/**": ["./data/*.csv"],
    // The what-if replays a policy over the recorded history.
    "/api/v1/markets/[market]/what-if": ["./data/*.csv"],
    "/**": ["./config/*.json"],
    "/docs/api/scalar.js": ["./node_modules/@scalar/api-reference/dist/browser/standalone.js"],
  },
  poweredByHeader: false,
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default nextConfig;
