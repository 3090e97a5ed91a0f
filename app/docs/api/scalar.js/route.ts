import { readFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * The Scalar API reference's standalone bundle, from the installed package (declared in
 * next.config.js outputFileTracingIncludes so the function carries it).
 */
const BUNDLE = join(process.cwd(), "node_modules/@scalar/api-reference/dist/browser/standalone.js");

let body: Promise<Buffer> | undefined;

export async function GET(): Promise<Response> {
  body ??= readFile(BUNDLE);
  return new Response(new Uint8Array(await body), {
    headers: {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "public, max-age=86400, s-maxage=604800",
    },
  });
}
