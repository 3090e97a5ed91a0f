#!/usr/bin/env node
// The `vigil` command: runs the TypeScript CLI through tsx's loader, so the CLI and the app share
// one source tree with no separate build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../lib/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
