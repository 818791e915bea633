// Words to search for; typing searches after a short pause, Enter at once.
import { useEffect, useId, useRef, useState, type FormEvent } from "react";

const PAUSE_MS = 350;

export function SearchBox({ value, onSearch }: { value: string; onSearch: (q: string) => void }) {
  const id = useId();
  const [draft, setDraft] = useState(value);
  const [known, setKnown] = useState(value);
  const timer = useRef<number | undefined>(undefined);
  if (value !== known) {
    // The URL changed under us (cleared filters, back button): show what it says.
    setKnown(value);
    setDraft(value);
  }
  useEffect(() => () => window.clearTimeout(timer.current), []);

  const change = (next: string) => {
    setDraft(next);
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => onSearch(next.trim()), PAUSE_MS);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    window.clearTimeout(timer.current);
    onSearch(draft.trim());
  };

  return (
    <form role="search" className="search" onSubmit={submit}>
      <label htmlFor={id}>Search items</label>
      <div className="search__row">
        <input
          id={id}
          type="search"
          value={draft}
          placeholder="e.g. navy shirt"
          autoComplete="off"
          onChange={(event) => change(event.target.value)}
        />
        <button type="submit" className="button">
          Search
        </button>
      </div>
    </form>
  );
}
