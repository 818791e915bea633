// Route "/insights": the synthetic shoppers and ratings behind the model, and how it scores.
// Each region reads the same query and shows its own loading, empty and error state.
import type { ReactNode } from "react";

import { ErrorState, EmptyState, LoadingState } from "@/shared/components/states";

import { useInsights, type Insights } from "../api/get-insights";
import { RatingHistogram } from "./rating-histogram";

const number = new Intl.NumberFormat("en");

function Region({
  id,
  title,
  children,
}: {
  id: string;
  title: string;
  children: (data: Insights) => ReactNode;
}) {
  const insights = useInsights();
  let body;
  if (insights.isPending) body = <LoadingState label={`Loading ${title.toLowerCase()}…`} />;
  else if (insights.isError) {
    body = (
      <ErrorState
        title={`${title} could not be loaded.`}
        error={insights.error}
        onRetry={() => void insights.refetch()}
      />
    );
  } else body = children(insights.data);
  return (
    <section aria-labelledby={id} className="panel">
      <h2 id={id}>{title}</h2>
      {body}
    </section>
  );
}

function Overview({ data }: { data: Insights }) {
  const stats: [string, string][] = [
    ["Personas", number.format(data.personas)],
    ["Catalogue items", number.format(data.items)],
    ["Ratings", number.format(data.ratings)],
    ["Calibrated ratings", number.format(data.calibrated_ratings)],
    ["Failed rating requests", number.format(data.failed_ratings)],
  ];
  return (
    <dl className="stats">
      {stats.map(([term, value]) => (
        <div key={term} className="stat">
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
      <div className="stat stat--wide">
        <dt>Model served</dt>
        <dd>{data.model_version ?? "none yet"}</dd>
      </div>
      <div className="stat stat--wide">
        <dt>Trained on</dt>
        <dd>
          {data.trained_on.length ? (
            <ul className="sources">
              {data.trained_on.map((source) => (
                <li key={source}>{source}</li>
              ))}
            </ul>
          ) : data.model_version ? (
            "nothing yet: recommendations come from item text alone until a model is trained"
          ) : (
            "—"
          )}
        </dd>
      </div>
    </dl>
  );
}

function Histograms({ data }: { data: Insights }) {
  if (!data.ratings) {
    return (
      <EmptyState title="No synthetic ratings yet.">
        <p>
          Generate some with <code>tastemaker ratings generate</code>.
        </p>
      </EmptyState>
    );
  }
  return (
    <div className="histograms">
      <RatingHistogram caption="Before calibration (raw LLM answers)" bins={data.raw_histogram} />
      {data.calibrated_ratings ? (
        <RatingHistogram caption="After calibration" bins={data.calibrated_histogram} />
      ) : (
        <EmptyState title="Not calibrated yet.">
          <p>
            Run <code>tastemaker ratings calibrate</code> to spread the answers.
          </p>
        </EmptyState>
      )}
    </div>
  );
}

function Metrics({ data }: { data: Insights }) {
  const metrics = data.model_metrics;
  const entries = metrics ? Object.entries(metrics.values) : [];
  if (!metrics || !entries.length) {
    return <EmptyState title="No metrics were exported with the model served." />;
  }
  return (
    <table className="metrics">
      <caption>Metrics of model {metrics.model}</caption>
      <thead>
        <tr>
          <th scope="col">Metric</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([name, value]) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td>{Number.isInteger(value) ? number.format(value) : value.toFixed(4)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function InsightsPage() {
  return (
    <>
      <title>Insights · tastemaker</title>
      <div className="page-intro">
        <h1>Insights</h1>
        <p className="lede">
          The model learns from simulated shoppers: personas written by an LLM, each rating
          catalogue items from −1 (dislike) to 10. Raw answers pile up on a few values;
          calibration spreads them while keeping each persona&apos;s order.
        </p>
      </div>
      <Region id="overview-heading" title="Overview">
        {(data) => <Overview data={data} />}
      </Region>
      <Region id="ratings-heading" title="Rating distribution">
        {(data) => <Histograms data={data} />}
      </Region>
      <Region id="metrics-heading" title="Model metrics">
        {(data) => <Metrics data={data} />}
      </Region>
    </>
  );
}
