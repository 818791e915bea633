// A stand-in for the service in unit tests: `fetch` answers from handlers keyed by
// "METHOD /path" (":name" matches one path segment), and every call is recorded.
import { vi } from "vitest";

export type Call = { method: string; url: URL; body: unknown };
type Params = Record<string, string>;
type Handler = (call: Call, params: Params) => Response | Promise<Response>;

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

export function problem(status: number, detail: string): Response {
  return new Response(JSON.stringify({ type: "about:blank", title: "Error", status, detail }), {
    status,
    headers: { "Content-Type": "application/problem+json" },
  });
}

function match(pattern: string, path: string): Params | null {
  const want = pattern.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return null;
  const params: Params = {};
  for (const [i, part] of want.entries()) {
    const actual = decodeURIComponent(got[i] ?? "");
    if (part.startsWith(":")) params[part.slice(1)] = actual;
    else if (part !== actual) return null;
  }
  return params;
}

export function mockApi(handlers: Record<string, Handler>) {
  const calls: Call[] = [];
  const fetchMock = vi.fn(async (input: Request) => {
    const url = new URL(input.url);
    const text = input.method === "GET" ? "" : await input.text();
    const call: Call = { method: input.method, url, body: text ? JSON.parse(text) : undefined };
    calls.push(call);
    for (const [key, handler] of Object.entries(handlers)) {
      const [method, pattern = ""] = key.split(" ");
      const params = method === input.method ? match(pattern, url.pathname) : null;
      if (params) return handler(call, params);
    }
    return problem(404, `no mock for ${input.method} ${url.pathname}`);
  });
  vi.stubGlobal("fetch", fetchMock);
  return {
    calls,
    /** Calls made to `METHOD /path` (exact path). */
    to: (method: string, path: string) =>
      calls.filter((c) => c.method === method && c.url.pathname === path),
  };
}
