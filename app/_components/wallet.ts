"use client";
// The browser's injected wallet (EIP-1193 `window.ethereum`) through viem: no hosted service.
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
