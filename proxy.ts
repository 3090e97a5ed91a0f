// Runs before routing: a path whose percent-encoding is broken (`/markets/x%E0`) cannot name
// anything, and Next would fail decoding its parameters with a 500; it is a 404 here.
import { NextResponse, type NextRequest } from "next/server";

export function proxy(req: NextRequest) {
  try {
    decodeURIComponent(req.nextUrl.pathname);
  } catch {
    const detail = "the path's percent-encoding is malformed";
    // The API answers in RFC 9457 problem details, pages in text.
    return req.nextUrl.pathname.startsWith("/api/")
      ? new NextResponse(
          JSON.stringify({
            type: "about:blank",
            title: "Not found",
            status: 404,
            detail,
            field: "path",
          }),
          {
            status: 404,
            headers: {
              "content-type": "application/problem+json",
              "access-control-allow-origin": "*",
              "cache-control": "no-store",
            },
          },
        )
      : new NextResponse(`Not found: ${detail}\n`, {
          status: 404,
          headers: { "content-type": "text/plain; charset=utf-8" },
        });
  }
  return NextResponse.next();
}

// Built assets never carry user-made paths.
export const config = { matcher: ["/((?!_next/static|_next/image).*)"] };
