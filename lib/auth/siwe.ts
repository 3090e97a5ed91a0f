// Sign-In with Ethereum (EIP-4361) for the committee: the message must name this app's host and
// the configured chain, be inside its validity window, carry a nonce this server issued and has
// not accepted before, and be signed by its address (an EOA, or through EIP-1271 a contract
// wallet such as a Safe when SIWE_RPC_URL is set); only members in force may sign in.
import {
  createPublicClient,
  getAddress,
  http,
  recoverMessageAddress,
  type Address,
  type Hex,
} from "viem";
import { parseSiweMessage } from "viem/siwe";
import type { Db } from "../../db/client";
import { consumeNonce, memberInForceAt } from "../../db/queries/governance";
import { CLOCK_SKEW_MS } from "../governance/lifecycle";
import { authEnv } from "./env";

export class SignInError extends Error {}

export async function verifySiweSignIn(
  db: Db,
  input: { message: string; signature: string },
  env: Record<string, string | undefined> = process.env,
  now = new Date(),
): Promise<Address> {
  const settings = authEnv(env);
  if (!settings.NEXTAUTH_URL) throw new SignInError("sign-in is not configured (NEXTAUTH_URL)");
  const host = new URL(settings.NEXTAUTH_URL).host;
  const m = parseSiweMessage(input.message);
  if (!m.address || !m.domain || !m.nonce || !m.chainId || !m.uri || m.version !== "1")
    throw new SignInError("not an EIP-4361 message");
  if (m.domain !== host) throw new SignInError(`the message is for ${m.domain}, not ${host}`);
  if (m.chainId !== settings.SIWE_CHAIN_ID)
    throw new SignInError(`the message is for chain ${m.chainId}, not ${settings.SIWE_CHAIN_ID}`);
  if (m.expirationTime && m.expirationTime.getTime() <= now.getTime())
    throw new SignInError("the message has expired");
  if (m.notBefore && m.notBefore.getTime() > now.getTime() + CLOCK_SKEW_MS)
    throw new SignInError("the message is not valid yet");
  if (m.issuedAt && m.issuedAt.getTime() > now.getTime() + CLOCK_SKEW_MS)
    throw new SignInError("the message is issued in the future");
  if (!/^0x[0-9a-fA-F]+$/.test(input.signature)) throw new SignInError("not a signature");
  const address = getAddress(m.address);
  const signature = input.signature as Hex;
  const valid = settings.SIWE_RPC_URL
    ? await createPublicClient({ transport: http(settings.SIWE_RPC_URL) }).verifyMessage({
        address,
        message: input.message,
        signature,
      })
    : await recoverMessageAddress({ message: input.message, signature }).then(
        (a) => getAddress(a) === address,
        () => false,
      );
  if (!valid) throw new SignInError("the signature is not by the message's address");
  // Single use: a replayed message finds its nonce spent.
  if (!(await consumeNonce(db, m.nonce, now)))
    throw new SignInError("the nonce is unknown, expired or already used");
  if (!(await memberInForceAt(db, address, now)))
    throw new SignInError(`${address} is not an active committee member`);
  return address;
}
