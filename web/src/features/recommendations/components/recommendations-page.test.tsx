import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { CATEGORIES, ITEMS, recommendations } from "@/test/fixtures";
import { json, mockApi, problem } from "@/test/mock-api";
import { currentUrl, renderPage } from "@/test/render";

import { RecommendationsPage } from "./recommendations-page";

const URL_3 = "/recommendations?like=1&like=2&like=3";
const options = { url: URL_3, path: "/recommendations" };

/** A service whose list drops what the user liked or disliked (exclude_seen). */
function service() {
  const seen = new Set<string>(["1", "2", "3"]);
  return mockApi({
    "GET /api/categories": () => json(CATEGORIES),
    "POST /api/users": () => json({ id: "u1", version: 1 }, 201),
    "GET /api/users/:id/recommendations": () =>
      json(recommendations([...ITEMS, ...ITEMS.map((i) => ({ ...i, id: `${i.id}b`, name: `${i.name} II` }))].filter((i) => !seen.has(i.id)))),
    "POST /api/users/:id/feedback": (call) => {
      seen.add((call.body as { item_id: string }).item_id);
      return json({ user_id: "u1", version: 2 });
    },
  });
}

function cardTitles(): string[] {
  const list = screen.getByRole("region", { name: "Picked for you" });
  return within(list)
    .getAllByRole("heading", { level: 3 })
    .map((h) => h.textContent ?? "");
}

describe("recommendations page", () => {
  it("creates a user from the selection and shows recommendations with images and reasons", async () => {
    const api = service();
    renderPage(<RecommendationsPage />, options);

    expect(screen.getByRole("heading", { level: 1, name: "Your recommendations" })).toBeInTheDocument();
    expect(await screen.findByRole("img", { name: "Red Running Shoes" })).toBeInTheDocument();
    expect(screen.getByText("because you liked Red Running Shoes")).toBeInTheDocument();
    expect(api.to("POST", "/api/users")[0]?.body).toEqual({
      liked: ["1", "2", "3"],
      disliked: [],
      categories: [],
    });
    const stored = JSON.parse(window.localStorage.getItem("tastemaker.user") ?? "{}");
    expect(stored.id).toBe("u1");
    expect(screen.getByRole("link", { name: "← Refine your selection" })).toHaveAttribute(
      "href",
      "/?like=1&like=2&like=3",
    );
  });

  it("reuses the stored user for the same selection (a reload keeps the likes given since)", async () => {
    window.localStorage.setItem(
      "tastemaker.user",
      JSON.stringify({ id: "u9", selection: { liked: ["3", "2", "1"], disliked: [], categories: [] } }),
    );
    const api = service();
    renderPage(<RecommendationsPage />, options);
    await screen.findByRole("img", { name: "Red Running Shoes" });
    expect(api.to("POST", "/api/users")).toHaveLength(0);
    expect(api.to("GET", "/api/users/u9/recommendations")).toHaveLength(1);
  });

  it("sends a like through the feedback endpoint and updates the list in place", async () => {
    const api = service();
    const { user } = renderPage(<RecommendationsPage />, options);
    await screen.findByRole("img", { name: "Red Running Shoes" });
    const before = cardTitles();

    await user.click(screen.getByRole("button", { name: "Like Red Running Shoes" }));

    await waitFor(() => expect(cardTitles()).not.toEqual(before));
    expect(cardTitles()).not.toContain("Red Running Shoes");
    expect(api.to("POST", "/api/users/u1/feedback")[0]?.body).toEqual({ item_id: "4", kind: "like" });
    expect(
      await screen.findByText("Liked Red Running Shoes. Your recommendations were updated."),
    ).toBeInTheDocument();
    // Focus stays in the grid, on the card that took the liked one's place.
    expect(document.activeElement).toHaveAccessibleName(`Like ${cardTitles()[0]}`);
  });

  it("sends filters to the service and offers to clear them when nothing matches", async () => {
    const api = mockApi({
      "GET /api/categories": () => json(CATEGORIES),
      "POST /api/users": () => json({ id: "u1", version: 1 }, 201),
      "GET /api/users/:id/recommendations": (call) =>
        json(recommendations(call.url.searchParams.get("gender") ? [] : ITEMS)),
    });
    const { user } = renderPage(<RecommendationsPage />, { ...options, url: `${URL_3}&gender=Men` });
    expect(await screen.findByText("No recommendations match these filters.")).toBeInTheDocument();
    expect(api.to("GET", "/api/users/u1/recommendations")[0]?.url.searchParams.getAll("gender")).toEqual(["Men"]);

    await user.click(screen.getByRole("button", { name: "Show all recommendations" }));
    expect(currentUrl().searchParams.get("gender")).toBeNull();
    expect(await screen.findByRole("img", { name: "Navy Linen Shirt" })).toBeInTheDocument();
  });

  it("shows an error with a retry when recommendations fail", async () => {
    mockApi({
      "GET /api/categories": () => json(CATEGORIES),
      "POST /api/users": () => json({ id: "u1", version: 1 }, 201),
      "GET /api/users/:id/recommendations": () => problem(503, "no model loaded"),
    });
    renderPage(<RecommendationsPage />, options);
    const alert = await screen.findByText("Recommendations could not be loaded.");
    expect(alert.parentElement).toHaveAttribute("role", "alert");
    expect(screen.getByText("no model loaded")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Try again" })).toBeInTheDocument();
  });

  it("makes a new user when the service no longer knows the stored one", async () => {
    window.localStorage.setItem(
      "tastemaker.user",
      JSON.stringify({ id: "gone", selection: { liked: ["1", "2", "3"], disliked: [], categories: [] } }),
    );
    mockApi({
      "GET /api/categories": () => json(CATEGORIES),
      "POST /api/users": () => json({ id: "u2", version: 1 }, 201),
      "GET /api/users/:id/recommendations": (_, { id }) =>
        id === "gone" ? problem(404, "user 'gone' not found") : json(recommendations(ITEMS)),
    });
    renderPage(<RecommendationsPage />, options);
    expect(await screen.findByRole("img", { name: "Navy Linen Shirt" })).toBeInTheDocument();
    expect(JSON.parse(window.localStorage.getItem("tastemaker.user") ?? "{}").id).toBe("u2");
  });

  it("asks for picks when the URL holds none", () => {
    mockApi({});
    renderPage(<RecommendationsPage />, { url: "/recommendations", path: "/recommendations" });
    expect(screen.getByText("Nothing picked yet.")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Pick items you like" })).toHaveAttribute("href", "/");
  });
});
