// A cursor-paged list a person reads page by page: the first page loads with `deps`,
// "Load more" appends the next. Reloading starts again at the first page.
import { useState } from "preact/hooks";
import type { ApiProblem } from "../api/problem";
import { type Action, useAction, useLoad } from "./hooks";

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

export interface Pages<T> {
  items: T[] | undefined;
  cursor: string | null | undefined;
  problem: ApiProblem | undefined;
  more: Action<[string], void>;
  reload: () => void;
}

export function usePages<T>(load: (cursor: string | undefined) => Promise<Page<T>>, deps: unknown[]): Pages<T> {
  const [extra, setExtra] = useState<{ items: T[]; cursor: string | null | undefined }>({ items: [], cursor: undefined });
  const first = useLoad(async () => {
    const page = await load(undefined);
    setExtra({ items: [], cursor: undefined });
    return page;
  }, deps);
  const more = useAction(async (cursor: string) => {
    const page = await load(cursor);
    setExtra((previous) => ({ items: [...previous.items, ...page.items], cursor: page.next_cursor ?? null }));
  });
  return {
    items: first.data && [...first.data.items, ...extra.items],
    cursor: extra.cursor === undefined ? first.data?.next_cursor : extra.cursor,
    problem: first.problem,
    more,
    reload: first.reload,
  };
}
