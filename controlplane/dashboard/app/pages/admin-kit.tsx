// Pieces the budgets, providers, webhooks, members, audit and settings pages share: running one
// operation with its error shown, showing writes only to a role that may make them.
import "./admin.css";
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { describeError } from "../api.ts";
import { type Role, useCan } from "../session.ts";

/** Runs an operation, keeps its error for an ErrorNote, calls `after` when it succeeded. */
export function useAction(after?: () => void) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    try {
      await action();
      setError(null);
      after?.();
      return true;
    } catch (thrown) {
      setError(describeError(thrown));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, run, setError };
}

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

/** Previous / next over a cursor-paginated list. */
export function Pager({
  hasPrevious,
  next,
  onPrevious,
  onNext,
}: {
  hasPrevious: boolean;
  next: string | null;
  onPrevious(): void;
  onNext(cursor: string): void;
}) {
  return (
    <div class="buttons">
      <button type="button" disabled={!hasPrevious} onClick={onPrevious}>
        Previous
      </button>
      <button type="button" disabled={!next} onClick={() => next && onNext(next)}>
        Next
      </button>
    </div>
  );
}
