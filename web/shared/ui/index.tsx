/**
 * The small component library the web apps share: semantic HTML with the styles of
 * shared/styles.css, accessible by construction (labels tied to inputs, errors announced and
 * described, progress bars with their values, tables with captions and header cells).
 */
import type { ButtonHTMLAttributes, ComponentChildren, InputHTMLAttributes } from "preact";
import { useId } from "preact/hooks";
import { navigate } from "../router";
import { percentOf, quantity } from "../decimal";

/** An in-app link: a real <a href> (open in a new tab works), navigated without a reload. */
export function Link(props: { href: string; children: ComponentChildren; class?: string; current?: boolean }) {
  return (
    <a
      href={props.href}
      class={props.class}
      aria-current={props.current ? "page" : undefined}
      onClick={(event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}

type FieldProps = {
  label: string;
  name: string;
  error?: string;
  hint?: string;
  children: (attributes: {
    id: string;
    name: string;
    "aria-invalid"?: "true";
    "aria-describedby"?: string;
  }) => ComponentChildren;
};

/** A labelled control with its hint and its error right under it (aria-describedby, aria-invalid). */
export function Field({ label, name, error, hint, children }: FieldProps) {
  const id = `f${useId().replace(/[^\w-]/g, "")}`;
  const described = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <div class={error ? "field field-invalid" : "field"}>
      <label for={id}>{label}</label>
      {children({
        id,
        name,
        ...(error ? { "aria-invalid": "true" as const } : {}),
        ...(described ? { "aria-describedby": described } : {}),
      })}
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="error" id={`${id}-error`} data-field={name}>
          {error}
        </p>
      )}
    </div>
  );
}

/** What the pages set on a control besides its value: the Field's attributes and a few of their own. */
type ControlAttributes = {
  id?: string;
  name?: string;
  "aria-invalid"?: "true";
  "aria-describedby"?: string;
  "aria-label"?: string;
  required?: boolean;
  disabled?: boolean;
};

type InputProps = ControlAttributes & {
  type?: "text" | "password" | "email" | "search" | "date" | "datetime-local";
  inputMode?: "decimal" | "numeric" | "text" | "email" | "search";
  autoComplete?: string;
  spellcheck?: boolean;
  placeholder?: string;
  value: string;
  onValue: (value: string) => void;
};
export function Input({ onValue, type = "text", ...props }: InputProps) {
  // Preact types each input type's allowed roles separately; one of ours is always given.
  const attributes = { ...props, type } as InputHTMLAttributes<HTMLInputElement>;
  return <input {...attributes} onInput={(event) => onValue(event.currentTarget.value)} />;
}

type SelectProps = ControlAttributes & {
  value: string;
  onValue: (value: string) => void;
  options: readonly (string | { value: string; label: string })[];
};
export function Select({ onValue, options, value, ...props }: SelectProps) {
  return (
    <select {...props} value={value} onChange={(event) => onValue(event.currentTarget.value)}>
      {options.map((option) => {
        const { value: v, label } = typeof option === "string" ? { value: option, label: option } : option;
        return (
          <option key={v} value={v}>
            {label}
          </option>
        );
      })}
    </select>
  );
}

export function Button(
  props: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: "primary" | "danger" | "plain"; busy?: boolean },
) {
  const { variant = "plain", busy, children, ...rest } = props;
  return (
    <button
      type="button"
      {...rest}
      class={`button button-${variant}`}
      disabled={busy || props.disabled}
      aria-busy={busy}
    >
      {children}
    </button>
  );
}

/** A message for the operator: `error` is announced at once (role alert), `success` politely. */
export function Notice(props: { kind: "error" | "success" | "info"; children: ComponentChildren }) {
  return (
    <div class={`notice notice-${props.kind}`} role={props.kind === "error" ? "alert" : "status"}>
      {props.children}
    </div>
  );
}

/** Used of included, as a bar: the fill is exact to the percent (bigint), the numbers are the API's. */
export function Progress(props: { label: string; used: string; included: string; unit?: string }) {
  const percent = percentOf(props.used, props.included);
  const over = percentOf(props.included, props.used) < 100 && percent === 100;
  return (
    <div class="progress-row">
      <div
        class={over ? "progress progress-over" : "progress"}
        role="progressbar"
        aria-label={props.label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={`${quantity(props.used)} of ${quantity(props.included)} ${props.unit ?? ""}`.trim()}
      >
        <div class="progress-fill" style={{ width: `${percent}%` }} />
      </div>
    </div>
  );
}

export function Section(props: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  const id = `s-${props.title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return (
    <section class="card" aria-labelledby={id}>
      <div class="card-head">
        <h2 id={id}>{props.title}</h2>
        {props.actions}
      </div>
      {props.children}
    </section>
  );
}

/** A term and its value, in a description list. */
export function Facts(props: { items: [term: string, value: ComponentChildren][] }) {
  return (
    <dl class="facts">
      {props.items.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** `nowrap`: a date or an id that must not break across lines. */
export type Column<T> = { title: string; render: (row: T) => ComponentChildren; numeric?: boolean; nowrap?: boolean };

export function Table<T>(props: {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  empty?: string;
  rowKey: (row: T) => string;
}) {
  if (!props.rows.length) return <p class="empty">{props.empty ?? "Nothing yet."}</p>;
  // A table wider than a phone's screen scrolls sideways in its wrapper, which keyboard users
  // must be able to focus to scroll (axe: scrollable-region-focusable).
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region is focusable so the keyboard can scroll it
    <section class="table-wrap" aria-label={props.caption} tabIndex={0}>
      <table>
        <caption class="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c.title} scope="col" class={c.numeric ? "num" : undefined}>
                {c.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr key={props.rowKey(row)}>
              {props.columns.map((c) => (
                <td key={c.title} class={c.numeric ? "num" : c.nowrap ? "nowrap" : undefined}>
                  {c.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function Loading() {
  return (
    <p class="loading" role="status">
      Loading…
    </p>
  );
}

export function Badge(props: { tone: "good" | "warn" | "bad" | "neutral"; children: ComponentChildren }) {
  return <span class={`badge badge-${props.tone}`}>{props.children}</span>;
}
