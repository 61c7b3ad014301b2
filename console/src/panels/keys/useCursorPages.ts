// One page of a cursor-paged list at a time, with Next and Previous: the cursors of the
// pages already passed are kept on a stack, so Previous reloads the page before without
// holding every row in memory (a project may have thousands of keys).
import { useState } from "preact/hooks";
import type { ApiProblem } from "../../api/problem";
import { useLoad } from "../../ui/hooks";

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

export interface CursorPages<T> {
  /** The page on screen (kept while the next one loads). */
  items: T[] | undefined;
  /** The number of the page on screen, 1 for the first (the next one may be loading). */
  number: number;
  loading: boolean;
  problem: ApiProblem | undefined;
  hasNext: boolean;
  hasPrevious: boolean;
  next: () => void;
  previous: () => void;
  reload: () => void;
}

/** `deps` (filters, page size) start again at the first page. */
export function useCursorPages<T>(load: (cursor: string | undefined) => Promise<Page<T>>, deps: unknown[]): CursorPages<T> {
  // stack[i] is the cursor of page i + 1; the first page has none. A stack kept for
  // other deps (filters changed) counts as the first page.
  const key = JSON.stringify(deps);
  const [kept, setKept] = useState<{ key: string; stack: (string | undefined)[] }>({ key, stack: [undefined] });
  const current = kept.key === key ? kept.stack : [undefined];
  const setStack = (stack: (string | undefined)[]) => setKept({ key, stack });
  const cursor = current[current.length - 1];
  const number = current.length;
  const page = useLoad(async () => ({ ...(await load(cursor)), number }), [key, number, cursor]);
  const nextCursor = page.loading ? null : page.data?.next_cursor;
  return {
    items: page.data?.items,
    number: page.data?.number ?? 1,
    loading: page.loading,
    problem: page.problem,
    hasNext: Boolean(nextCursor),
    hasPrevious: current.length > 1,
    next: () => {
      if (nextCursor) setStack([...current, nextCursor]);
    },
    previous: () => {
      if (current.length > 1) setStack(current.slice(0, -1));
    },
    reload: page.reload,
  };
}
