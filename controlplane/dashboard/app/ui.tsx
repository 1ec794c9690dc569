// Small shared pieces: data loading, running an operation, formatting, buttons that respect the
// role, confirmations, lists as tables.
import type { ComponentChildren, JSX } from "preact";
import { useCallback, useEffect, useId, useRef, useState } from "preact/hooks";
import { describeError } from "./api.ts";
import { type Role, useCan } from "./session.ts";

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload(): void;
}

/** Runs `load` now and whenever `deps` change; `reload()` runs it again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState({ data: null, error: describeError(error), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((value) => value + 1), []);
  return { ...state, reload };
}

export function Status<T>({
  loaded,
  children,
}: {
  loaded: Loaded<T>;
  children: (data: T) => ComponentChildren;
}) {
  if (loaded.error) return <ErrorNote message={loaded.error} />;
  if (loaded.data === null) return <p aria-busy="true">Loading…</p>;
  return <>{children(loaded.data)}</>;
}

export const ErrorNote = ({ message }: { message: string | null }) =>
  message ? (
    <p class="error" role="alert">
      {message}
    </p>
  ) : null;

/** A button for an operation needing the role `needs`: disabled, saying why, for a lower role. */
export function ActionButton({
  needs,
  children,
  ...rest
}: { needs: Role; children: ComponentChildren } & JSX.ButtonHTMLAttributes<HTMLButtonElement>) {
  const can = useCan(needs);
  return (
    <button
      type="button"
      {...rest}
      disabled={!can.allowed || rest.disabled}
      title={can.allowed ? (rest.title as string | undefined) : can.why}
      aria-disabled={!can.allowed}
    >
      {children}
    </button>
  );
}

/** A modal confirmation (<dialog>): resolves with the user's answer. */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  onClose,
}: {
  open: boolean;
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  onClose(confirmed: boolean): void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  // Several confirmations may share a page: each names its own title.
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} aria-labelledby={titleId} onCancel={() => onClose(false)}>
      <h2 id={titleId}>{title}</h2>
      <div>{children}</div>
      <div class="buttons">
        <button type="button" onClick={() => onClose(false)}>
          Cancel
        </button>
        <button type="button" class="primary" onClick={() => onClose(true)}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

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

/** A button running one operation through `action`, disabled while the action is busy. */
export function RunButton({
  action,
  operation,
  children,
}: {
  action: { busy: boolean; run(operation: () => Promise<unknown>): Promise<boolean> };
  operation(): Promise<unknown>;
  children: ComponentChildren;
}) {
  return (
    <button type="button" disabled={action.busy} onClick={() => action.run(operation)}>
      {children}
    </button>
  );
}

/** What a ConfirmDialog asks about: `ask(item)` opens it; on a yes, `confirmed(item)` runs. */
export function useConfirm<T>(confirmed: (item: T) => void) {
  const [pending, setPending] = useState<T | null>(null);
  return {
    pending,
    ask: (item: T) => setPending(() => item),
    /** The dialog's `open` and `onClose`. */
    dialog: {
      open: pending !== null,
      onClose(answer: boolean) {
        const item = pending;
        setPending(null);
        if (answer && item !== null) confirmed(item);
      },
    },
  };
}

/** A table's column heading: its text, or its text and a class ("num" for numbers). */
export type Column = string | { label: string; class: string };

/**
 * A list as a table: its headings, a row an item, then `after` (a pager); `empty` instead when
 * there are no items and `empty` is given.
 */
export function ListTable<T>({
  label,
  columns,
  items,
  row,
  empty,
  after,
}: {
  label?: string;
  columns: Column[];
  items: T[];
  /** The item's <tr>, with its key. */
  row(item: T, index: number): ComponentChildren;
  empty?: string;
  after?: ComponentChildren;
}) {
  if (items.length === 0 && empty !== undefined) return <p class="empty">{empty}</p>;
  return (
    <>
      <div class="table-wrap">
        <table aria-label={label}>
          <thead>
            <tr>
              {columns.map((column, index) =>
                typeof column === "string" ? (
                  <th key={String(index)}>{column || null}</th>
                ) : (
                  <th key={String(index)} class={column.class}>
                    {column.label}
                  </th>
                ),
              )}
            </tr>
          </thead>
          <tbody>{items.map(row)}</tbody>
        </table>
      </div>
      {after}
    </>
  );
}

export const usd = (value: number | null | undefined) =>
  value === null || value === undefined
    ? "–"
    : `$${value < 0.01 && value !== 0 ? value.toPrecision(2) : value.toFixed(2)}`;
export const ms = (value: number | null | undefined) =>
  value === null || value === undefined ? "–" : `${Math.round(value)} ms`;
export const pct = (value: number | null | undefined, digits = 1) =>
  value === null || value === undefined ? "–" : `${(value * 100).toFixed(digits)} %`;
export const when = (iso: string | null | undefined) =>
  iso ? new Date(iso).toLocaleString(undefined, { hour12: false }) : "–";
export const num = (value: number | null | undefined) =>
  value === null || value === undefined ? "–" : value.toLocaleString();

export function StatusBadge({ value }: { value: string }) {
  return <span class={`badge badge-${value.replace(/[^a-z0-9_-]/gi, "")}`}>{value}</span>;
}

export function PageTitle({ children }: { children: ComponentChildren }) {
  useEffect(() => {
    const text = typeof children === "string" ? children : "";
    if (text) document.title = `${text} · modelux`;
  }, [children]);
  return <h1 id="page-title">{children}</h1>;
}
