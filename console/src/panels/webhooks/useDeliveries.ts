// One endpoint's deliveries, newest first: the first page, the pages the person loaded with
// "Load more", and a refresh that reads only the first page again and merges it by id, so
// loaded pages stay. While a delivery is pending and its next attempt is due soon, the log
// refreshes itself every few seconds; a later attempt wakes it up shortly before it is due;
// nothing is polled while the page is hidden.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api, type Delivery, unwrap } from "../../api/client";
import type { ApiProblem } from "../../api/problem";
import { type Action, useAction, useLoad } from "../../ui/hooks";

const PAGE_SIZE = 25;
/** How often a log with an attempt due soon refreshes. */
const POLL_MS = 2_000;
/** "Soon": an attempt due within this (or overdue by no more than this) is polled for. */
const SOON_MS = 60_000;
/** The longest a log waits between refreshes while anything is pending. */
const MAX_WAIT_MS = 10 * 60_000;

export interface Deliveries {
  items: Delivery[] | undefined;
  cursor: string | null | undefined;
  problem: ApiProblem | undefined;
  more: Action<[string], void>;
  refresh: () => void;
}

interface Log {
  items: Delivery[];
  /** The cursor after the last loaded page; undefined while only the first page is loaded. */
  cursor: string | null | undefined;
}

export function useDeliveries(pid: string, webhookId: string): Deliveries {
  const [log, setLog] = useState<Log | undefined>();
  const read = (cursor: string | undefined) =>
    unwrap(api.GET("/v1/projects/{pid}/webhooks/{webhook_id}/deliveries", { params: { path: { pid, webhook_id: webhookId }, query: { limit: PAGE_SIZE, cursor } } }));
  const first = useLoad(() => read(undefined), [pid, webhookId]);
  const firstPage = first.data;
  useEffect(() => {
    if (firstPage) setLog((previous) => merge(previous, firstPage.items));
  }, [firstPage]);
  const more = useAction(async (cursor: string) => {
    const page = await read(cursor);
    setLog((previous) => {
      const known = new Set(previous?.items.map((d) => d.id));
      return { items: [...(previous?.items ?? []), ...page.items.filter((d) => !known.has(d.id))], cursor: page.next_cursor ?? null };
    });
  });
  usePolling(log?.items, first.loading, first.problem !== undefined, first.reload);
  return {
    items: log?.items,
    cursor: log?.cursor === undefined ? firstPage?.next_cursor : log.cursor,
    problem: first.problem,
    more,
    refresh: first.reload,
  };
}

/** The first page read again, in front of the older deliveries already loaded. */
function merge(previous: Log | undefined, firstPage: Delivery[]): Log {
  const fresh = new Set(firstPage.map((d) => d.id));
  const older = previous?.items.filter((d) => !fresh.has(d.id)) ?? [];
  return { items: [...firstPage, ...older], cursor: previous?.cursor };
}

/** Milliseconds until the log should refresh itself, or null when nothing is pending. */
export function nextRefreshIn(items: Delivery[], now: number): number | null {
  const due = items.filter((d) => d.status === "pending").map((d) => (d.next_attempt_at ? Date.parse(d.next_attempt_at) : now));
  if (due.length === 0) return null;
  const wait = Math.min(...due) - now;
  if (wait > SOON_MS) return Math.min(wait - SOON_MS, MAX_WAIT_MS);
  // Due soon or just due: the dispatcher sends within seconds. Long overdue: it is behind, so ask less often.
  return wait > -SOON_MS ? POLL_MS : SOON_MS / 2;
}

function usePolling(items: Delivery[] | undefined, loading: boolean, failed: boolean, refresh: () => void) {
  const hidden = usePageHidden();
  const failures = useRef(0);
  useEffect(() => {
    if (loading) return;
    failures.current = failed ? failures.current + 1 : 0;
  }, [loading, failed]);
  useEffect(() => {
    if (loading || hidden || !items) return;
    const wait = nextRefreshIn(items, Date.now());
    if (wait === null) return;
    // A failing refresh waits twice as long each time (up to the longest wait).
    const timer = setTimeout(refresh, Math.min(wait * 2 ** failures.current, MAX_WAIT_MS));
    return () => clearTimeout(timer);
  }, [items, loading, hidden, refresh]);
}

/** Whether the page is hidden (another tab in front, a minimised window). */
function usePageHidden(): boolean {
  const [hidden, setHidden] = useState(() => document.hidden);
  const update = useCallback(() => setHidden(document.hidden), []);
  useEffect(() => {
    document.addEventListener("visibilitychange", update);
    return () => document.removeEventListener("visibilitychange", update);
  }, [update]);
  return hidden;
}
