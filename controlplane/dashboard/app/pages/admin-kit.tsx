// Pieces the budgets, providers, webhooks, members, audit and settings pages share: showing
// writes only to a role that may make them, a form's fields, paging.
import "./admin.css";
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { type Role, useCan } from "../session.ts";

/** Its children only for a role of at least `needs`: a viewer is not offered writes. */
export function Can({ needs, children }: { needs: Role; children: ComponentChildren }) {
  return useCan(needs).allowed ? <>{children}</> : null;
}

/** The submitted form's fields as strings ("" when absent). */
export function formFields(event: Event): { form: HTMLFormElement; get(name: string): string } {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  const data = new FormData(form);
  return { form, get: (name) => String(data.get(name) ?? "").trim() };
}

/** The cursors of a cursor-paginated list walked so far: the page shown is the last one's. */
export function useCursorPages() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  return {
    cursor: cursors[cursors.length - 1] ?? null,
    hasPrevious: cursors.length > 1,
    /** Back to the first page (the filters changed). */
    restart: () => setCursors([null]),
    previous: () => setCursors(cursors.slice(0, -1)),
    next: (cursor: string) => setCursors([...cursors, cursor]),
  };
}

/** Previous / next over a cursor-paginated list; `next` is the shown page's next cursor. */
export function Pager({
  pages,
  next,
}: {
  pages: ReturnType<typeof useCursorPages>;
  next: string | null;
}) {
  return (
    <div class="buttons">
      <button type="button" disabled={!pages.hasPrevious} onClick={pages.previous}>
        Previous
      </button>
      <button type="button" disabled={!next} onClick={() => next && pages.next(next)}>
        Next
      </button>
    </div>
  );
}
