// The frame of every page: skip link, header with navigation, main region.
import { useEffect, useRef } from "react";
import { Link, NavLink, Outlet, useLocation } from "react-router";

import { selectionSearch } from "@/shared/lib/selection";
import { loadUser } from "@/shared/lib/user-store";

export function AppLayout() {
  const { pathname } = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // After a navigation, move focus to the new page so keyboard and screen-reader users start
  // at its top (not on the first load: the browser does that).
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus({ preventScroll: false });
  }, [pathname]);

  // The navigation returns to the shopper's latest selection and its recommendations.
  const last = loadUser()?.selection;
  const search = last ? selectionSearch(last) : "";

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="container site-header__inner">
          <Link to="/" className="brand">
            tastemaker
          </Link>
          <nav aria-label="Main">
            <ul className="nav">
              <li>
                <NavLink to={pathname === "/" ? "/" : `/${search}`} end>
                  Pick
                </NavLink>
              </li>
              <li>
                <NavLink to={`/recommendations${search}`}>Recommendations</NavLink>
              </li>
              <li>
                <NavLink to="/insights">Insights</NavLink>
              </li>
            </ul>
          </nav>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1} className="container">
        <Outlet />
      </main>
      <footer className="site-footer container">
        <p>Recommendations bootstrapped from LLM-simulated shoppers.</p>
      </footer>
    </>
  );
}
