import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: [
      ".next/**",
      "node_modules/**",
      ".data/**",
      "next-env.d.ts",
      "tests/e2e/screenshots/**",
    ],
  },
  {
    // lib/quant is the pure numeric core: it may not reach into the rest of the app (DESIGN.md layers).
    files: ["lib/quant/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: ["../*", "@/*", "node:*", "fs", "path", "drizzle-orm", "pg"] },
      ],
    },
  },
];

export default config;
