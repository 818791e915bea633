// The shopper's id lives in localStorage with the selection it was created from, so a reload
// keeps their likes and the navigation can go back to their recommendations.
import { selectionKey, type Selection } from "./selection";

const KEY = "tastemaker.user";

export type StoredUser = { id: string; selection: Selection };

export function loadUser(): StoredUser | null {
  try {
    const raw = window.localStorage.getItem(KEY);
    if (!raw) return null;
    const value = JSON.parse(raw) as Partial<StoredUser>;
    const s = value.selection;
    if (typeof value.id !== "string" || !s || !Array.isArray(s.liked)) return null;
    return {
      id: value.id,
      selection: { liked: s.liked, disliked: s.disliked ?? [], categories: s.categories ?? [] },
    };
  } catch {
    return null; // storage disabled or a foreign value: start afresh
  }
}

/** The stored user when it was made from this very selection. */
export function userFor(selection: Selection): StoredUser | null {
  const user = loadUser();
  return user && selectionKey(user.selection) === selectionKey(selection) ? user : null;
}

export function saveUser(user: StoredUser): void {
  try {
    window.localStorage.setItem(KEY, JSON.stringify(user));
  } catch {
    // Without storage the app still works; a reload just creates a new user.
  }
}

export function forgetUser(): void {
  try {
    window.localStorage.removeItem(KEY);
  } catch {
    // nothing stored, nothing to forget
  }
}
