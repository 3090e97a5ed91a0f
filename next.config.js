/** @type {import('next').NextConfig} */
const nextConfig = {
  // PGlite ships a WASM Postgres and node-postgres native bits: load them from node_modules at run time.
  serverExternalPackages: ["@electric-sql/pglite", "pg"],
  poweredByHeader: false,
};

export default nextConfig;
