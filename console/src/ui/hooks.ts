import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiProblem, asProblem } from "../api/problem";
import { ConfirmationCancelled, withSignIn } from "../auth/stepup";

export interface Loaded<T> {
  data: T | undefined;
  problem: ApiProblem | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads data when `deps` change; a stale answer (deps changed meanwhile) is dropped. A
 * failed reload keeps the last data it had (with the problem beside it), so that what is
 * on screen, a secret shown once included, does not vanish with a flaky network.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; problem?: ApiProblem; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    withSignIn(load).then(
      (data) => current && setState({ data, loading: false }),
      (error: unknown) =>
        current && setState((previous) => ({ data: previous.data, problem: asProblem(error), loading: false })),
    );
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data: state.data, problem: state.problem, loading: state.loading, reload };
}

export interface Action<A extends unknown[], R> {
  run: (...args: A) => Promise<R | undefined>;
  busy: boolean;
  problem: ApiProblem | undefined;
  clear: () => void;
}

/**
 * A person's action (a button): busy while it runs, its problem kept to show. Returns
 * undefined when it failed or the person cancelled a step-up confirmation.
 */
export function useAction<A extends unknown[], R>(action: (...args: A) => Promise<R>): Action<A, R> {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | undefined>();
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );
  const run = async (...args: A): Promise<R | undefined> => {
    setBusy(true);
    setProblem(undefined);
    try {
      return await withSignIn(() => action(...args));
    } catch (error) {
      if (!(error instanceof ConfirmationCancelled) && mounted.current) setProblem(asProblem(error));
      return undefined;
    } finally {
      if (mounted.current) setBusy(false);
    }
  };
  return { run, busy, problem, clear: () => setProblem(undefined) };
}
