// The typed HTTP client. Types come from schema.d.ts, generated from the service's OpenAPI
// document by `npm run generate:api`; never edit that file by hand.
import createClient from "openapi-fetch";

import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Item = Schemas["ItemPublic"];
export type Recommendation = Schemas["Recommendation"];

/** An HTTP problem (RFC 9457) answered by the service, or a failure to reach it at all. */
export class ApiError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

// The app is served by the API's own origin (Vite proxies /api in development). `fetch` is
// looked up at call time so tests can stub it.
export const api = createClient<paths>({
  baseUrl: window.location.origin,
  fetch: (request) => globalThis.fetch(request),
});

type Answer<T> = { data?: T; error?: unknown; response: Response };

function problemMessage(error: unknown, status: number): string {
  if (error && typeof error === "object") {
    const { detail, title } = error as { detail?: unknown; title?: unknown };
    if (typeof detail === "string" && detail) return detail;
    if (typeof title === "string" && title) return title;
  }
  return `The server answered ${status}.`;
}

/** The body of a successful answer; an {@link ApiError} otherwise. */
export async function unwrap<T>(pending: Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await pending;
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw new ApiError(0, "Cannot reach the server. Check your connection and try again.");
  }
  const { data, error, response } = answer;
  if (!response.ok || data === undefined) {
    throw new ApiError(response.status, problemMessage(error, response.status));
  }
  return data;
}
