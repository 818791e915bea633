// Every route renders inside its own error boundary: a crash in one page shows what broke and
// two ways out, while the header and navigation keep working.
import { Component, Suspense, type ErrorInfo, type ReactNode } from "react";
import { Link, useLocation } from "react-router";

import { LoadingState } from "@/shared/components/states";

export function RouteError({ error }: { error: unknown }) {
  const message = error instanceof Error ? error.message : "An unexpected error occurred.";
  return (
    <div className="route-error" role="alert">
      <title>Something went wrong · tastemaker</title>
      <h1>Something went wrong</h1>
      <p>This page failed to show: {message}</p>
      <p className="route-error__actions">
        <button type="button" className="button" onClick={() => window.location.reload()}>
          Reload the page
        </button>
        <Link to="/">Go to the start</Link>
      </p>
    </div>
  );
}

type BoundaryState = { failed: boolean; error: unknown };

export class ErrorBoundary extends Component<{ children: ReactNode }, BoundaryState> {
  state: BoundaryState = { failed: false, error: null };

  static getDerivedStateFromError(error: unknown): BoundaryState {
    return { failed: true, error };
  }

  componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error("route failed", error, info.componentStack);
  }

  render() {
    return this.state.failed ? <RouteError error={this.state.error} /> : this.props.children;
  }
}

/** A route's page: its own error boundary (reset when the path changes) and, for pages loaded
 * on demand, a loading state while their code arrives. */
export function Page({ children }: { children: ReactNode }) {
  const { pathname } = useLocation();
  return (
    <ErrorBoundary key={pathname}>
      <Suspense fallback={<LoadingState label="Loading page…" />}>{children}</Suspense>
    </ErrorBoundary>
  );
}

export function NotFound() {
  return (
    <div className="page-intro">
      <title>Page not found · tastemaker</title>
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <Link to="/">Start by picking items you like.</Link>
      </p>
    </div>
  );
}
