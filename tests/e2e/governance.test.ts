// The committee end to end against `next start` on the Postgres server: an authorization matrix
// over every mutating route, then in headless Chromium two reviewers sign in with a test wallet
// (a viem local account exposed to the page as an EIP-1193 `window.ethereum`), approve with
// EIP-712 signatures, an executor executes, and the next run counts its delay from that execution.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { encode } from "next-auth/jwt";
import type { Browser, BrowserContext } from "playwright-core";
import type { PrivateKeyAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createDatabase,
  dropDatabase,
  queryDb,
  serverEnv,
  startApp,
  stopApps,
  vigil,
  type App,
} from "../helpers/app";
import { browserTestsCanRun, freePort, launchChromium } from "../helpers/browser";
import { signInOverHttp } from "../helpers/siwe";
import { signReview, wallet } from "../helpers/wallets";
import type { Hex32 } from "../../lib/governance/payload";

const serverUrl = process.env.DATABASE_URL;
const canRun = Boolean(serverUrl) && browserTestsCanRun;
const SECRET = "e2e-governance-secret";

const [admin, alice, bob, exec, removed, stranger] = [0, 1, 2, 3, 4, 5].map(wallet);

let dbName: string;
let dbUrl: string;
let base: string;
let app: App | undefined;
let browser: Browser | undefined;
const cli = (args: string[]) => vigil(args, serverEnv(dbUrl));
const query = <T>(text: string, values: unknown[] = []) => queryDb<T>(dbUrl, text, values);

async function openProposal(market: string) {
  const [p] = await query<{ id: number; created_at: Date; payload_hash: Hex32 }>(
    "select id, created_at, payload_hash from proposals where market_id = $1 and status = 'open'",
    [market],
  );
  return p;
}

describe.skipIf(!canRun)("committee end to end", () => {
  beforeAll(async () => {
    dbName = `vigil_e2e_gov_${process.pid}`;
    dbUrl = await createDatabase(serverUrl!, dbName);
    cli(["db", "migrate"]);
    // Two weekly snapshots: each market opens a proposal (5 % → 6.25 %) and reaffirms it.
    cli(["backfill", "--to", "2026-01-07T23:00:00Z"]);
    for (const [a, role] of [
      [admin, "admin"],
      [alice, "reviewer"],
      [bob, "reviewer"],
      [exec, "executor"],
      [removed, "reviewer"],
    ] as const)
      cli(["committee", "add", a.address, "--role", role, "--name", `e2e ${role}`]);
    app = await startApp(
      { ...serverEnv(dbUrl), NEXTAUTH_SECRET: SECRET, SIWE_CHAIN_ID: "1" },
      "/api/auth/nonce",
      200,
    );
    base = app.base;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await stopApps([app]);
    if (dbName && serverUrl) await dropDatabase(serverUrl, dbName);
  });

  it("every mutating route × {anonymous, non-member, removed member, reviewer, executor, admin}: no unauthorized write", async () => {
    const eth = await openProposal("deribit:ETH");
    const sessions: Record<string, string | null> = { anonymous: null };
    for (const [name, who] of [
      ["reviewer", alice],
      ["executor", exec],
      ["admin", admin],
      ["removed member", removed],
    ] as const) {
      const r = await signInOverHttp(base, who);
      expect(r.error, name).toBeNull();
      sessions[name] = r.cookie;
    }
    // A non-member cannot sign in; a session for one (a JWT minted with the secret) still fails.
    expect((await signInOverHttp(base, stranger)).error).toMatch(/not an active committee member/);
    sessions["non-member"] = `next-auth.session-token=${await encode({
      token: { address: stranger.address },
      secret: SECRET,
    })}`;
    cli(["committee", "remove", removed.address]);
    const signer: Record<string, PrivateKeyAccount> = {
      reviewer: alice,
      executor: exec,
      admin,
      "removed member": removed,
      "non-member": stranger,
      anonymous: stranger,
    };
    const issuedAt = Math.floor(eth.created_at.getTime() / 1000) + 3600;
    const routes = {
      review: async (who: string) => ({
        path: `/api/v1/proposals/${eth.id}/reviews`,
        body: {
          decision: "approve",
          comment: "",
          issuedAt,
          signature: await signReview(signer[who], {
            proposalId: eth.id,
            payloadHash: eth.payload_hash,
            decision: "approve",
            issuedAt,
          }),
        },
      }),
      execution: async () => ({
        path: `/api/v1/proposals/${eth.id}/execution`,
        body: { executedAt: new Date(eth.created_at.getTime() + 7200_000).toISOString() },
      }),
      "committee member": async () => ({
        path: `/api/v1/committee/members`,
        body: { address: wallet(6).address, role: "reviewer", name: "added over the API" },
      }),
    };
    const allowed: Record<string, string> = {
      review: "reviewer",
      execution: "executor",
      "committee member": "admin",
    };
    const counts = async () =>
      (
        await query<Record<string, number>>(
          `select (select count(*)::int from reviews) as reviews,
                  (select count(*)::int from executions) as executions,
                  (select count(*)::int from committee_members) as members,
                  (select count(*)::int from parameter_values) as "values",
                  (select count(*)::int from audit_events) as audit`,
        )
      )[0];
    const matrix: Record<string, Record<string, number>> = {};
    const before = await counts();
    const identities = [
      "anonymous",
      "non-member",
      "removed member",
      "reviewer",
      "executor",
      "admin",
    ];
    for (const [route, make] of Object.entries(routes))
      for (const who of identities) {
        if (who === allowed[route]) continue;
        const { path, body } = await make(who);
        const res = await fetch(base + path, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(sessions[who] ? { cookie: sessions[who]! } : {}),
          },
          body: JSON.stringify(body),
        });
        (matrix[route] ??= {})[who] = res.status;
        expect(res.headers.get("content-type")).toBe("application/problem+json");
      }
    expect(await counts()).toEqual(before);
    // The allowed role passes the authorization (the execution then meets the lifecycle: 409).
    for (const [route, make] of Object.entries(routes)) {
      const who = allowed[route];
      const { path, body } = await make(who);
      const res = await fetch(base + path, {
        method: "POST",
        headers: { "content-type": "application/json", cookie: sessions[who]! },
        body: JSON.stringify(body),
      });
      matrix[route][who] = res.status;
    }
    console.log("authorization matrix (HTTP status by route and caller):", JSON.stringify(matrix));
    for (const route of Object.keys(routes)) {
      expect(matrix[route].anonymous).toBe(401);
      for (const who of ["non-member", "removed member"]) expect(matrix[route][who]).toBe(403);
      for (const who of ["reviewer", "executor", "admin"].filter((w) => w !== allowed[route]))
        expect(matrix[route][who]).toBe(403);
    }
    expect(matrix.review.reviewer).toBe(201);
    expect(matrix.execution.executor).toBe(409); // not approved yet
    expect(matrix["committee member"].admin).toBe(201);
    const after = await counts();
    expect(after.reviews).toBe(before.reviews + 1);
    expect(after.executions).toBe(before.executions);
    expect(after.members).toBe(before.members + 1);

    // Bad input from an authorized caller: a clear 4xx naming the field, nothing written.
    const post = (path: string, body: string, type = "application/json") =>
      fetch(base + path, {
        method: "POST",
        headers: { "content-type": type, cookie: sessions.reviewer! },
        body,
      });
    const r400 = await post(
      `/api/v1/proposals/${eth.id}/reviews`,
      JSON.stringify({ decision: "approve" }),
    );
    expect(r400.status).toBe(400);
    expect(await r400.json()).toMatchObject({ status: 400, field: "issuedAt" });
    expect((await post(`/api/v1/proposals/${eth.id}/reviews`, "{not json")).status).toBe(400);
    expect((await post(`/api/v1/proposals/${eth.id}/reviews`, "x", "text/plain")).status).toBe(415);
    expect((await post(`/api/v1/proposals/3000000000/reviews`, "{}")).status).toBe(404);
    const dup = await post(
      `/api/v1/proposals/${eth.id}/reviews`,
      JSON.stringify((await routes.review("reviewer")).body),
    );
    expect(dup.status).toBe(409);
    expect(await counts()).toEqual(after);
  });

  // The public governance reads, checked the way docs/governance.md tells an outsider to: JSON
  // with keys sorted (written here, not Vigil's), SHA-256 by node:crypto.
  const canonical = (v: unknown): string =>
    Array.isArray(v)
      ? `[${v.map(canonical).join(",")}]`
      : v && typeof v === "object"
        ? `{${Object.keys(v)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
            .join(",")}}`
        : JSON.stringify(v);
  const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

  it("payload: the stored hash is SHA-256 of the payload's canonical JSON; bad ids are 404", async () => {
    const eth = await openProposal("deribit:ETH");
    const res = await fetch(`${base}/api/v1/proposals/${eth.id}/payload`);
    expect(res.status).toBe(200);
    const { payloadHash, ...payload } = await res.json();
    expect(payloadHash).toBe(`0x${sha256(canonical(payload))}`);
    expect(payloadHash).toBe(eth.payload_hash);
    expect(payload.proposalId).toBe(eth.id);
    // One update per changed parameter (up to six); the maintenance margin's among them.
    expect(payload.updates.length).toBeGreaterThanOrEqual(1);
    expect(payload.updates.length).toBeLessThanOrEqual(6);
    expect(payload.updates).toContainEqual(
      expect.objectContaining({
        referenceId: `vigil:proposal:${eth.id}`,
        market: "deribit:ETH",
        updateType: "perp.maintenanceMarginFraction",
        previousValue: 0.06,
        newValue: 0.075, // +25 % of the 6 % genesis
        timestamp: Math.floor(eth.created_at.getTime() / 1000),
      }),
    );
    for (const id of ["0", "abc", "3000000000", "99999999999999999999"])
      expect((await fetch(`${base}/api/v1/proposals/${id}/payload`)).status, id).toBe(404);
  });

  it("review-request: the typed data for the stated values; bad query fields are 400 naming them", async () => {
    const eth = await openProposal("deribit:ETH");
    const url = (q: string) => `${base}/api/v1/proposals/${eth.id}/review-request?${q}`;
    const res = await fetch(
      url("decision=reject&comment=too%20fast&issuedAt=2026-01-01T00:00:00Z"),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      domain: { name: "Vigil", version: "1", chainId: 1 },
      types: {
        Review: [
          { name: "proposalId", type: "uint256" },
          { name: "payloadHash", type: "bytes32" },
          { name: "decision", type: "string" },
          { name: "commentHash", type: "bytes32" },
          { name: "issuedAt", type: "uint256" },
        ],
      },
      primaryType: "Review",
      message: {
        proposalId: eth.id,
        payloadHash: eth.payload_hash,
        decision: "reject",
        commentHash: `0x${sha256("too fast")}`,
        issuedAt: Date.UTC(2026, 0, 1) / 1000,
      },
    });
    // Unix seconds are accepted too; no issuedAt means now.
    const secs = await (await fetch(url("decision=approve&issuedAt=1767225600"))).json();
    expect(secs.message.issuedAt).toBe(1767225600);
    const now = await (await fetch(url("decision=approve"))).json();
    expect(Math.abs(now.message.issuedAt - Date.now() / 1000)).toBeLessThan(120);
    for (const [q, field] of [
      ["decision=maybe", "decision"],
      ["", "decision"],
      ["decision=approve&issuedAt=yesterday", "issuedAt"],
      [`decision=approve&comment=${"x".repeat(2001)}`, "comment"],
    ]) {
      const bad = await fetch(url(q));
      expect(bad.status, q).toBe(400);
      expect(bad.headers.get("content-type")).toBe("application/problem+json");
      expect((await bad.json()).field, q).toBe(field);
    }
    expect(
      (await fetch(`${base}/api/v1/proposals/3000000000/review-request?decision=approve`)).status,
    ).toBe(404);
  });

  it("audit API: pages follow `next`, the chain recomputes from what it serves; bad paging is 400", async () => {
    const events: {
      seq: number;
      at: string;
      actor: string;
      kind: string;
      entity: string;
      payload: unknown;
      prevHash: string;
      hash: string;
    }[] = [];
    let after = 0;
    for (;;) {
      const res = await fetch(`${base}/api/v1/audit?after=${after}&limit=7`);
      expect(res.status).toBe(200);
      const page = await res.json();
      expect(page.events.length).toBeLessThanOrEqual(7);
      events.push(...page.events);
      if (page.next === null) break;
      expect(page.next).toBe(page.events.at(-1).seq);
      after = page.next;
    }
    const [{ n }] = await query<{ n: number }>("select count(*)::int as n from audit_events");
    expect(events).toHaveLength(n);
    let prev = "0".repeat(64);
    for (const e of events) {
      expect(e.prevHash, `event ${e.seq}`).toBe(prev);
      const { at, actor, kind, entity, payload } = e;
      expect(e.hash, `event ${e.seq}`).toBe(
        sha256(`${prev}\n${canonical({ at, actor, kind, entity, payload })}`),
      );
      prev = e.hash;
    }
    for (const [q, field] of [
      ["limit=0", "limit"],
      ["limit=1001", "limit"],
      ["limit=x", "limit"],
      ["after=-1", "after"],
    ]) {
      const bad = await fetch(`${base}/api/v1/audit?${q}`);
      expect(bad.status, q).toBe(400);
      expect((await bad.json()).field, q).toBe(field);
    }
  });

  it("in production the server refuses to start without NEXTAUTH_SECRET", async () => {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: dbUrl,
      DB_DRIVER: "pg",
      NODE_ENV: "production",
    };
    delete env.NEXTAUTH_SECRET;
    const child = spawn(
      process.execPath,
      ["node_modules/next/dist/bin/next", "start", "-p", String(port), "-H", "127.0.0.1"],
      { env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        resolve(null);
      }, 30_000);
      child.on("exit", (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code).toBe(1);
    expect(output).toMatch(/refuses to start: NEXTAUTH_SECRET must be set in production/);
  });

  async function walletContext(account: PrivateKeyAccount): Promise<BrowserContext> {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    // EIP-1193 provider backed by the account in this (test) process: real signatures.
    await context.exposeBinding(
      "__vigilWallet",
      async (_source, method: string, params: unknown[]) => {
        switch (method) {
          case "eth_requestAccounts":
          case "eth_accounts":
            return [account.address];
          case "eth_chainId":
            return "0x1";
          case "personal_sign":
            return account.signMessage({ message: { raw: params[0] as `0x${string}` } });
          case "eth_signTypedData_v4": {
            const typed = JSON.parse(params[1] as string);
            // viem's local account derives the domain type itself.
            const types = Object.fromEntries(
              Object.entries(
                typed.types as Record<string, { name: string; type: string }[]>,
              ).filter(([name]) => name !== "EIP712Domain"),
            );
            const uints = (fields: { name: string; type: string }[], o: Record<string, unknown>) =>
              Object.fromEntries(
                Object.entries(o).map(([k, v]) => [
                  k,
                  fields.find((f) => f.name === k)?.type.startsWith("uint")
                    ? BigInt(v as string)
                    : v,
                ]),
              );
            return account.signTypedData({
              domain: { ...typed.domain, chainId: BigInt(typed.domain.chainId) },
              types,
              primaryType: typed.primaryType,
              message: uints(types[typed.primaryType], typed.message),
            });
          }
          default:
            throw new Error(`test wallet: ${method} not supported`);
        }
      },
    );
    await context.addInitScript(() => {
      const w = window as unknown as {
        ethereum: unknown;
        __vigilWallet: (m: string, p: unknown[]) => Promise<unknown>;
      };
      w.ethereum = {
        request: ({ method, params }: { method: string; params?: unknown[] }) =>
          w.__vigilWallet(method, params ?? []),
        on() {},
        removeListener() {},
      };
    });
    return context;
  }

  it("in Chromium: two reviewers sign in and approve, an executor executes, the next run counts from it", async () => {
    const btc = await openProposal("deribit:BTC");
    const created = btc.created_at.getTime();
    const act = async (account: PrivateKeyAccount, offsetHours: number, button: string) => {
      const context = await walletContext(account);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${base}/committee`);
      await page.getByTestId("sign-in").click();
      await expect(
        page.getByTestId("signed-in").textContent({ timeout: 20_000 }),
      ).resolves.toContain(account.address);
      // The reviewer's clock is the data's clock: the proposal lives in the replayed history.
      await page.clock.setFixedTime(new Date(created + offsetHours * 3_600_000));
      await page.goto(`${base}/proposals/${btc.id}`);
      await page.getByTestId(button).click();
      await page.waitForFunction((b) => !document.querySelector(`[data-testid="${b}"]`), button, {
        timeout: 20_000,
      });
      expect(await page.locator(".error").allTextContents()).toEqual([]);
      expect(errors).toEqual([]);
      const text = await page.textContent("main");
      await context.close();
      return text!;
    };
    const afterAlice = await act(alice, 1, "approve");
    expect(afterAlice).toContain(alice.address);
    expect(afterAlice).toMatch(/1 of 2 approvals/);
    const afterBob = await act(bob, 2, "approve");
    expect(afterBob).toMatch(/2 of 2 approvals/);
    expect(afterBob).toContain("approved");
    const afterExec = await act(exec, 3, "execute");
    expect(afterExec).toMatch(/executed .* by 0x90F79bf6EB2c4f870365E785982E1f101E93b906/);

    // The overview shows the executed value as the one in force.
    const page = await browser!.newPage();
    await page.goto(base);
    const card = await page
      .getByTestId("market-card")
      .filter({ hasText: "deribit:BTC" })
      .textContent();
    expect(card).toMatch(/perp\.maintenanceMarginFraction\s*6\.25 %/);
    await page.close();

    // The next run (a week after the proposal) counts the minimum delay from the execution.
    const executedAt = created + 3 * 3_600_000;
    const asOf = Date.parse("2026-01-07T10:00:00Z");
    const out = JSON.parse(
      cli(["run", "--once", "--market", "deribit:BTC", "--at", "2026-01-07T10:00:00Z", "--json"]),
    );
    const [stage] = await query<{
      summary: {
        considered: {
          current: number;
          trace: { check: string; hoursSinceLastChange?: number }[];
        }[];
      };
    }>("select summary from run_stages where run_id = $1 and stage = 'propose'", [out.runId]);
    const c = stage.summary.considered[0];
    expect(c.current).toBe(0.0625);
    const delay = c.trace.find((s) => s.check === "min-delay");
    expect(delay?.hoursSinceLastChange).toBeCloseTo((asOf - executedAt) / 3_600_000, 9);
    expect(JSON.parse(cli(["audit", "verify", "--json"]))).toMatchObject({ ok: true });
  });
});
