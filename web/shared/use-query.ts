/**
 * Loads a query when a page shows (and again when its variables change or `reload` is called).
 * Pages render `loading`, `error` or `data`; a later answer never overwrites a newer request's.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { gql } from "./api";

export type QueryState<T> = { data?: T; error?: Error; loading: boolean; reload: () => void };

/** `load` replaces the single request when a page needs several (it is keyed by `query` and the variables). */
export function useQuery<T>(
  query: string,
  variables?: Record<string, unknown>,
  load: (variables?: Record<string, unknown>) => Promise<T> = (v) => gql<T>(query, v),
): QueryState<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  const key = JSON.stringify(variables ?? {});
  // `key` stands for the variables: a new object with the same values does not reload.
  useEffect(() => {
    const request = ++latest.current;
    setState((s) => ({ ...s, loading: true }));
    load(variables).then(
      (data) => request === latest.current && setState({ data, loading: false }),
      (error: Error) => request === latest.current && setState({ error, loading: false }),
    );
  }, [query, key, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}
