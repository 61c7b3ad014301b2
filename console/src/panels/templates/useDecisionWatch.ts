// While some of the caller's requests wait for a decision, asks now and then whether they
// still wait: only the caller's pending requests (one small call), not the whole catalogue.
// The pauses grow (4 s doubling to 60 s, a request can wait for days), nothing is asked
// while the page is hidden, and coming back to it asks at once.
import { useEffect } from "preact/hooks";
import { api, unwrap } from "../../api/client";

const FIRST_DELAY_MS = 4_000;
const LONGEST_DELAY_MS = 60_000;

/**
 * Calls `onDecided` once one of `waiting` (ids of the caller's pending requests) is no
 * longer pending. `paused`: ask nothing for now (a one-time secret is on screen, say).
 */
export function useDecisionWatch(pid: string, me: string, waiting: string[], onDecided: () => void, paused: boolean) {
  const watched = waiting.join(",");
  useEffect(() => {
    if (!watched || paused) return;
    const ids = watched.split(",");
    let delay = FIRST_DELAY_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let asking = false;
    let stopped = false;

    const later = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void ask(), delay);
      delay = Math.min(delay * 2, LONGEST_DELAY_MS);
    };
    const ask = async () => {
      if (document.hidden || asking) return; // coming back to the page asks again
      asking = true;
      try {
        const page = await unwrap(
          api.GET("/v1/projects/{pid}/key-requests", {
            params: { path: { pid }, query: { requester_id: me, status: "pending", limit: 100 } },
          }),
        );
        const still = new Set(page.items.map((r) => r.id));
        // The catalogue reloads, and this watch starts over with what it then waits for.
        if (!stopped && ids.some((id) => !still.has(id))) onDecided();
      } catch {
        // A failed look is tried again later; what is on screen stays.
      } finally {
        asking = false;
      }
      if (!stopped) later();
    };
    const onVisibility = () => {
      if (!document.hidden && !stopped) void ask();
    };

    later();
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [pid, me, watched, paused, onDecided]);
}
