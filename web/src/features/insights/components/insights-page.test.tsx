import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { json, mockApi, problem } from "@/test/mock-api";
import { renderPage } from "@/test/render";

import type { Insights } from "../api/get-insights";
import { InsightsPage } from "./insights-page";

const ANSWERS = [-1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const bins = (counts: Record<number, number>) =>
  ANSWERS.map((rating) => ({ rating, count: counts[rating] ?? 0 }));

const INSIGHTS: Insights = {
  personas: 12,
  items: 200,
  ratings: 480,
  failed_ratings: 3,
  calibrated_ratings: 480,
  raw_histogram: bins({ 6: 200, 8: 280 }),
  calibrated_histogram: bins(Object.fromEntries(ANSWERS.map((a) => [a, 40]))),
  model_version: "content:minilm",
  model_metrics: { model: "two-tower-1", values: { "recall@10": 0.412, epochs: 12 } },
  trained_on: [],
};

describe("insights page", () => {
  it("shows counts, both histograms and the model's metrics", async () => {
    mockApi({ "GET /api/insights": () => json(INSIGHTS) });
    renderPage(<InsightsPage />, { url: "/insights", path: "/insights" });

    const overview = screen.getByRole("region", { name: "Overview" });
    expect(await within(overview).findByText("Personas")).toBeInTheDocument();
    expect(within(overview).getByText("12")).toBeInTheDocument();
    expect(within(overview).getByText("content:minilm")).toBeInTheDocument();
    expect(within(overview).getByText(/from item text alone/)).toBeInTheDocument();

    const raw = screen.getByRole("table", { name: "Before calibration (raw LLM answers)" });
    expect(within(raw).getByRole("row", { name: "8 280" })).toBeInTheDocument();
    const calibrated = screen.getByRole("table", { name: "After calibration" });
    expect(within(calibrated).getByRole("row", { name: "−1 40" })).toBeInTheDocument();

    const metrics = screen.getByRole("table", { name: "Metrics of model two-tower-1" });
    expect(within(metrics).getByRole("row", { name: "recall@10 0.4120" })).toBeInTheDocument();
  });

  it("says what the served model was trained on", async () => {
    const source = "synthetic: qwen2.5 yesno v3, yesno ratings: 480 rows by 12 personas, weight 1.0";
    mockApi({
      "GET /api/insights": () =>
        json({ ...INSIGHTS, model_version: "two-tower:1", trained_on: [source] }),
    });
    renderPage(<InsightsPage />, { url: "/insights", path: "/insights" });
    const overview = screen.getByRole("region", { name: "Overview" });
    expect(await within(overview).findByText(source)).toBeInTheDocument();
  });

  it("has empty states before any ratings or metrics exist", async () => {
    mockApi({
      "GET /api/insights": () =>
        json({
          ...INSIGHTS,
          ratings: 0,
          calibrated_ratings: 0,
          raw_histogram: bins({}),
          calibrated_histogram: bins({}),
          model_version: null,
          model_metrics: null,
        }),
    });
    renderPage(<InsightsPage />, { url: "/insights", path: "/insights" });
    expect(await screen.findByText("No synthetic ratings yet.")).toBeInTheDocument();
    expect(screen.getByText("No metrics were exported with the model served.")).toBeInTheDocument();
    expect(screen.getByText("none yet")).toBeInTheDocument();
  });

  it("shows an error in each region when the service fails", async () => {
    mockApi({ "GET /api/insights": () => problem(500, "store unavailable") });
    renderPage(<InsightsPage />, { url: "/insights", path: "/insights" });
    expect(await screen.findByText("Overview could not be loaded.")).toBeInTheDocument();
    expect(screen.getByText("Rating distribution could not be loaded.")).toBeInTheDocument();
    expect(screen.getAllByRole("alert")).toHaveLength(3);
  });
});
