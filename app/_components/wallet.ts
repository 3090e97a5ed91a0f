"use client";
// The browser's injected wallet (EIP-1193 `window.ethereum`) through viem: no hosted service.
import { useState } from "react";
import { createWalletClient, custom, type EIP1193Provider } from "viem";

declare global {
  interface Window {
    ethereum?: EIP1193Provider;
  }
}

export async function connectedWallet() {
  if (!window.ethereum) throw new Error("no Ethereum wallet found in this browser");
  const wallet = createWalletClient({ transport: custom(window.ethereum) });
  const [account] = await wallet.requestAddresses();
  if (!account) throw new Error("the wallet gave no account");
  return { wallet, account };
}

export const errorText = (err: unknown): string =>
  err instanceof Error ? err.message.split("\n")[0] : String(err);

/** A wallet or API action's busy flag and error text, shared by every committee button. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}
