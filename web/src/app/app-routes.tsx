// The routes. Pages other than the first are loaded on demand, which keeps the first
// download small; each route renders inside its own error boundary (see Page).
import { lazy } from "react";
import { Route, Routes } from "react-router";

import { SelectionPage } from "@/features/selection/components/selection-page";

import { AppLayout } from "./layout";
import { NotFound, Page } from "./route-error";

const RecommendationsPage = lazy(() =>
  import("@/features/recommendations/components/recommendations-page").then((m) => ({
    default: m.RecommendationsPage,
  })),
);
const ItemPage = lazy(() =>
  import("@/features/item/components/item-page").then((m) => ({ default: m.ItemPage })),
);
const InsightsPage = lazy(() =>
  import("@/features/insights/components/insights-page").then((m) => ({
    default: m.InsightsPage,
  })),
);

export function AppRoutes() {
  return (
    <Routes>
      <Route element={<AppLayout />}>
        <Route index element={<Page><SelectionPage /></Page>} />
        <Route path="recommendations" element={<Page><RecommendationsPage /></Page>} />
        <Route path="items/:id" element={<Page><ItemPage /></Page>} />
        <Route path="insights" element={<Page><InsightsPage /></Page>} />
        <Route path="*" element={<Page><NotFound /></Page>} />
      </Route>
    </Routes>
  );
}
