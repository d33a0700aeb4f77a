/** The notice strip: the last few messages, and the guard that turns a failed engine call into one. */
import type { FerryState, FerryStore, Guard, SliceContext } from './ferry-state.ts';

/** The text of whatever was thrown (engine calls reject with `Error`s, but a transport may not). */
export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Builds the guard every slice wraps its engine calls in; it reports through the store's `notify`. */
export function createGuard(get: FerryStore['getState']): Guard {
  return async (what, fn) => {
    try {
      return await fn();
    } catch (err) {
      get().notify('error', `${what}: ${message(err)}`);
      return undefined;
    }
  };
}

/** Notices state and actions. */
export function noticesSlice({ set, get }: Pick<SliceContext, 'set' | 'get'>): Pick<FerryState, 'notices' | 'notify' | 'dismiss'> {
  // Per store, so two stores (tests, a second window) never share ids.
  let noticeId = 0;
  return {
    notices: [],
    notify(kind, text) {
      const id = ++noticeId;
      // Keep the last few; older ones have scrolled out of relevance.
      set({ notices: [...get().notices.slice(-2), { id, kind, text, at: Date.now() }] });
    },
    dismiss(id) {
      set({ notices: get().notices.filter((n) => n.id !== id) });
    },
  };
}
