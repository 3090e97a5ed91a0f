"use client";
import { signIn, signOut } from "next-auth/react";
import { useRouter } from "next/navigation";
import { createSiweMessage } from "viem/siwe";
import { connectedWallet, useAction } from "./wallet";

/** Sign-In with Ethereum: a server nonce, an EIP-4361 message signed by the injected wallet. */
export function SignIn({ chainId, address }: { chainId: number; address: string | null }) {
  const router = useRouter();
  const { busy, error, run } = useAction();
  if (address)
    return (
      <p data-testid="signed-in">
        Signed in as <span className="mono">{address}</span>{" "}
        <button
          type="button"
          onClick={async () => {
            await signOut({ redirect: false });
            router.refresh();
          }}
        >
          Sign out
        </button>
      </p>
    );
  const start = () =>
    run(async () => {
      const { wallet, account } = await connectedWallet();
      if ((await wallet.getChainId()) !== chainId) await wallet.switchChain({ id: chainId });
      const { nonce } = (await (await fetch("/api/auth/nonce")).json()) as { nonce: string };
      const message = createSiweMessage({
        domain: window.location.host,
        address: account,
        statement: "Sign in to Vigil's risk committee.",
        uri: window.location.origin,
        version: "1",
        chainId,
        nonce,
        issuedAt: new Date(),
        expirationTime: new Date(Date.now() + 10 * 60_000),
      });
      const signature = await wallet.signMessage({ account, message });
      const res = await signIn("siwe", { message, signature, redirect: false });
      if (!res || res.error) throw new Error(res?.error ?? "sign-in failed");
      router.refresh();
    });
  return (
    <p>
      <button type="button" onClick={start} disabled={busy} data-testid="sign-in">
        {busy ? "Waiting for the wallet…" : "Sign in with Ethereum"}
      </button>
      {error && (
        <span className="error" role="alert">
          {" "}
          {error}
        </span>
      )}
    </p>
  );
}
