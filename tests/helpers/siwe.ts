// Signs in to a running Vigil over HTTP as next-auth's client does: CSRF token, server nonce,
// an EIP-4361 message signed by a viem local account, POST to the `siwe` credentials callback.
import type { PrivateKeyAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";

export interface SignInResult {
  /** Cookie header carrying the session, or null when refused. */
  cookie: string | null;
  error: string | null;
}

const cookiesOf = (res: Response): string[] =>
  res.headers.getSetCookie().map((c) => c.split(";")[0]);

export async function signInOverHttp(
  base: string,
  account: PrivateKeyAccount,
  tweak: {
    domain?: string;
    chainId?: number;
    nonce?: string;
    expirationTime?: Date;
    message?: (m: string) => string;
  } = {},
): Promise<SignInResult & { message: string; signature: string }> {
  const csrfRes = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const jar = cookiesOf(csrfRes);
  const nonce =
    tweak.nonce ??
    ((await (await fetch(`${base}/api/auth/nonce`)).json()) as { nonce: string }).nonce;
  let message = createSiweMessage({
    domain: tweak.domain ?? new URL(base).host,
    address: account.address,
    statement: "Sign in to Vigil's risk committee.",
    uri: base,
    version: "1",
    chainId: tweak.chainId ?? 1,
    nonce,
    issuedAt: new Date(),
    expirationTime: tweak.expirationTime ?? new Date(Date.now() + 10 * 60_000),
  });
  if (tweak.message) message = tweak.message(message);
  const signature = await account.signMessage({ message });
  return {
    ...(await postCredentials(base, jar, csrfToken, message, signature)),
    message,
    signature,
  };
}

/** Posts a (possibly replayed) message and signature to the credentials callback. */
export async function postCredentials(
  base: string,
  jar: string[] | null,
  csrfToken: string | null,
  message: string,
  signature: string,
): Promise<SignInResult> {
  if (!jar || !csrfToken) {
    const csrfRes = await fetch(`${base}/api/auth/csrf`);
    csrfToken = ((await csrfRes.json()) as { csrfToken: string }).csrfToken;
    jar = cookiesOf(csrfRes);
  }
  const res = await fetch(`${base}/api/auth/callback/siwe`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.join("; ") },
    body: new URLSearchParams({ message, signature, csrfToken, callbackUrl: base, json: "true" }),
  });
  const session = cookiesOf(res).find((c) => c.startsWith("next-auth.session-token="));
  if (session) return { cookie: session, error: null };
  const body = (await res.json().catch(() => ({}))) as { url?: string };
  const error = body.url ? new URL(body.url).searchParams.get("error") : `HTTP ${res.status}`;
  return { cookie: null, error: error ?? "refused" };
}
