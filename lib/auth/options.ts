// next-auth v4 with one Credentials provider, `siwe`: the session is a JWT carrying the signed-in
// address only. Roles are never stored in the session: every mutation re-reads them.
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { getDb } from "../../db";
import { verifySiweSignIn } from "./siwe";

declare module "next-auth" {
  interface Session {
    address?: string;
  }
}

export const authOptions: NextAuthOptions = {
  secret: process.env.NEXTAUTH_SECRET,
  session: { strategy: "jwt", maxAge: 8 * 3600 },
  pages: { signIn: "/committee" },
  providers: [
    CredentialsProvider({
      id: "siwe",
      name: "Ethereum",
      credentials: {
        message: { label: "Message", type: "text" },
        signature: { label: "Signature", type: "text" },
      },
      async authorize(credentials) {
        if (!credentials?.message || !credentials.signature) return null;
        const { db } = await getDb();
        // A refusal's message reaches the client as the sign-in error (our own words only).
        const address = await verifySiweSignIn(db, {
          message: credentials.message,
          signature: credentials.signature,
        });
        return { id: address };
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user) token.address = user.id;
      return token;
    },
    session({ session, token }) {
      return { ...session, address: typeof token.address === "string" ? token.address : undefined };
    },
  },
};
