/**
 * Cursor paging for a list: the cursors of the pages before this one are kept, so "Previous"
 * goes back without the API having to page backwards.
 */
import { useState } from "preact/hooks";
import { Button } from "./index";

export function usePager(resetKey: string) {
  const [state, setState] = useState<{ key: string; stack: (string | null)[] }>({ key: resetKey, stack: [null] });
  // A new filter starts from the first page.
  const stack = state.key === resetKey ? state.stack : [null];
  const after = stack.at(-1) ?? null;
  return {
    after,
    page: stack.length,
    next: (cursor: string) => setState({ key: resetKey, stack: [...stack, cursor] }),
    previous: () => setState({ key: resetKey, stack: stack.slice(0, -1) }),
  };
}

export function Pager(props: {
  pager: ReturnType<typeof usePager>;
  pageInfo?: { hasNextPage: boolean; endCursor: string | null };
  label: string;
}) {
  const { pager, pageInfo } = props;
  return (
    <nav class="actions" aria-label={`${props.label} pages`}>
      <Button disabled={pager.page === 1} onClick={pager.previous}>
        Previous
      </Button>
      <span>Page {pager.page}</span>
      <Button
        disabled={!pageInfo?.hasNextPage || !pageInfo.endCursor}
        onClick={() => pageInfo?.endCursor && pager.next(pageInfo.endCursor)}
      >
        Next
      </Button>
    </nav>
  );
}
