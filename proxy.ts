// Runs before routing: a path whose percent-encoding is broken (`/markets/x%E0`) cannot name
// anything, and Next would fail decoding its parameters with a 500; it is a 404 here.
import { NextResponse, type NextRequest } from "next/server";

export function proxy(req: NextRequest) {
  try {
    decodeURIComponent(req.nextUrl.pathname);
  } catch {
    return new NextResponse("Not found: the path's percent-encoding is malformed\n", {
      status: 404,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
  return NextResponse.next();
}

// Built assets never carry user-made paths.
export const config = { matcher: ["/((?!_next/static|_next/image).*)"] };
