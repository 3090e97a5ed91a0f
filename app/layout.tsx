import type { Metadata } from "next";
import Link from "next/link";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Vigil — open risk calibration", template: "%s · Vigil" },
  description:
    "Risk parameters for DAO-governed crypto derivatives protocols, with every number traceable to its run, inputs and model.",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="topbar">
          <Link href="/" className="brand">
            Vigil
          </Link>
          <nav>
            <Link href="/">Overview</Link>
            <Link href="/runs">Runs</Link>
            <Link href="/committee">Committee</Link>
            <Link href="/audit">Audit</Link>
          </nav>
        </header>
        <main>{children}</main>
        <footer className="footer">
          Open risk calibration. Every number links to the run, inputs and model that produced it.
        </footer>
      </body>
    </html>
  );
}
