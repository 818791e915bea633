// A histogram of ratings (-1, 1..10): bars for the eye, a table for screen readers.
import type { HistogramBin } from "../api/get-insights";

function label(rating: number): string {
  return rating === -1 ? "−1" : String(rating);
}

export function RatingHistogram({ caption, bins }: { caption: string; bins: HistogramBin[] }) {
  const total = bins.reduce((sum, bin) => sum + bin.count, 0);
  const peak = Math.max(1, ...bins.map((bin) => bin.count));
  return (
    <figure className="histogram">
      <div className="histogram__bars" aria-hidden="true">
        {bins.map((bin) => (
          <div className="histogram__column" key={bin.rating}>
            <span className="histogram__count">{bin.count}</span>
            <span
              className={`histogram__bar${bin.rating === -1 ? " histogram__bar--dislike" : ""}`}
              style={{ height: `${(bin.count / peak) * 100}%` }}
            />
            <span className="histogram__label">{label(bin.rating)}</span>
          </div>
        ))}
      </div>
      <figcaption>
        {caption} ({total} ratings; −1 means dislike)
      </figcaption>
      <table className="visually-hidden">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Rating</th>
            <th scope="col">Count</th>
          </tr>
        </thead>
        <tbody>
          {bins.map((bin) => (
            <tr key={bin.rating}>
              <th scope="row">{label(bin.rating)}</th>
              <td>{bin.count}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
