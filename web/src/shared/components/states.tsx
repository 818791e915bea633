// The three states every data region has besides its data: loading, empty and error.
import { useId, type ReactNode } from "react";

export function LoadingState({ label }: { label: string }) {
  return (
    <div className="state state--loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

/** A grid of placeholder cards while items load; announced once as `label`. */
export function GridSkeleton({ label, count = 8 }: { label: string; count?: number }) {
  return (
    <div role="status">
      <span className="visually-hidden">{label}</span>
      <ul className="grid" aria-hidden="true">
        {Array.from({ length: count }, (_, i) => (
          <li key={i} className="card card--skeleton">
            <div className="card__media" />
            <div className="skeleton-line" />
            <div className="skeleton-line skeleton-line--short" />
          </li>
        ))}
      </ul>
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state--empty">
      <p className="state__title">{title}</p>
      {children}
    </div>
  );
}

export function ErrorState({
  title,
  error,
  onRetry,
}: {
  title: string;
  error: unknown;
  onRetry?: () => void;
}) {
  const id = useId();
  const message = error instanceof Error ? error.message : "Something went wrong.";
  return (
    <div className="state state--error" role="alert">
      <p className="state__title" id={id}>
        {title}
      </p>
      <p>{message}</p>
      {onRetry && (
        <button type="button" className="button" aria-describedby={id} onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
