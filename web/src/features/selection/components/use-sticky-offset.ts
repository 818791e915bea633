// The sticky progress bar and the items toolbar stuck below it (at every width; on narrow
// screens its filters fold behind a toggle, and on short ones neither sticks) cover the
// top of the page; their measured heights go into CSS variables so that scroll-padding keeps
// anything scrolled to or focused clear of them, and the toolbar sticks right under the bar.
// A fixed guess broke whenever the bar wrapped onto another row (narrow phones, ~640px).
import { useLayoutEffect, type RefObject } from "react";

export function useStickyOffset(
  bar: RefObject<HTMLElement | null>,
  toolbar: RefObject<HTMLElement | null>,
) {
  useLayoutEffect(() => {
    const root = document.documentElement;
    const measure = () => {
      const barHeight = bar.current?.getBoundingClientRect().height ?? 0;
      const stuck = toolbar.current && getComputedStyle(toolbar.current).position === "sticky";
      const toolbarHeight = stuck ? (toolbar.current?.getBoundingClientRect().height ?? 0) : 0;
      root.style.setProperty("--progress-height", `${barHeight}px`);
      root.style.setProperty("--sticky-height", `${barHeight + toolbarHeight}px`);
    };
    measure();
    if (typeof ResizeObserver === "undefined") return; // jsdom: nothing lays out anyway
    const observer = new ResizeObserver(measure);
    for (const element of [bar.current, toolbar.current]) if (element) observer.observe(element);
    window.addEventListener("resize", measure);
    return () => {
      observer.disconnect();
      window.removeEventListener("resize", measure);
      root.style.removeProperty("--progress-height");
      root.style.removeProperty("--sticky-height");
    };
  }, [bar, toolbar]);
}
