import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { describe, expect, it, vi } from "vitest";

import { CATEGORIES } from "@/test/fixtures";
import { json, mockApi } from "@/test/mock-api";

import { AppRoutes } from "./app-routes";
import { ErrorBoundary } from "./route-error";

function renderApp(url: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[url]}>
        <AppRoutes />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("app", () => {
  it("has a skip link, a labelled navigation and a main region", async () => {
    mockApi({
      "GET /api/categories": () => json(CATEGORIES),
      "GET /api/items": () => json({ items: [], next_cursor: null, total: 0 }),
    });
    renderApp("/");
    expect(screen.getByRole("link", { name: "Skip to content" })).toHaveAttribute("href", "#main");
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(nav).toContainElement(screen.getByRole("link", { name: "Insights" }));
    expect(screen.getByRole("link", { name: "Pick" })).toHaveAttribute("aria-current", "page");
    expect(screen.getByRole("main")).toContainElement(
      screen.getByRole("heading", { level: 1, name: "Find your style" }),
    );
    expect(await screen.findByText("No items match your search and filters.")).toBeInTheDocument();
  });

  it("loads other pages on demand and moves focus to the page after navigating", async () => {
    mockApi({
      "GET /api/categories": () => json(CATEGORIES),
      "GET /api/items": () => json({ items: [], next_cursor: null, total: 0 }),
      "GET /api/insights": () => json({}),
    });
    renderApp("/");
    await userEvent.click(screen.getByRole("link", { name: "Insights" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Insights" })).toBeInTheDocument();
    expect(document.activeElement).toBe(screen.getByRole("main"));
  });

  it("answers unknown paths with a not-found page", () => {
    renderApp("/no/such/page");
    expect(screen.getByRole("heading", { level: 1, name: "Page not found" })).toBeInTheDocument();
  });

  it("catches a crashing page in its error boundary", () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    function Broken(): never {
      throw new Error("kaboom");
    }
    render(
      <MemoryRouter>
        <ErrorBoundary>
          <Broken />
        </ErrorBoundary>
      </MemoryRouter>,
    );
    expect(screen.getByRole("heading", { level: 1, name: "Something went wrong" })).toBeInTheDocument();
    expect(screen.getByText(/kaboom/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Reload the page" })).toBeInTheDocument();
  });
});
