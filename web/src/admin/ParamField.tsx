// One hyper-parameter input, typed by its schema: a number box with the allowed range, a
// checkbox, or a list of values. The error (client check or the server's) is tied to the input.
import type { ParamSpec } from "./paramForm";
import { rangeText } from "./paramForm";

export function ParamField({ spec, value, error, onChange }: { spec: ParamSpec; value: string | boolean; error: string | undefined; onChange: (value: string | boolean) => void }) {
  const id = `admin-param-${spec.name}`;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = error ? `${errorId} ${hintId}` : hintId;
  if (spec.type === "bool") {
    return (
      <div className="admin-field admin-field-check">
        <input id={id} name={spec.name} type="checkbox" checked={value === true} onChange={(event) => onChange(event.target.checked)} aria-describedby={hintId} />
        <label htmlFor={id}>{spec.name}</label>
        <p id={hintId} className="admin-hint">
          {spec.description}
        </p>
      </div>
    );
  }
  const hint = spec.type === "enum" ? `one of ${(spec.values ?? []).join(", ")}` : rangeText(spec);
  return (
    <div className="admin-field">
      <label htmlFor={id}>{spec.name}</label>
      {spec.type === "enum" ? (
        <select id={id} name={spec.name} value={String(value)} onChange={(event) => onChange(event.target.value)} aria-describedby={describedBy} aria-invalid={error ? true : undefined}>
          {(spec.values ?? []).map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          name={spec.name}
          type="text"
          // Text, not type=number: the console checks the range itself and says why, instead of the browser silently clamping or blocking.
          inputMode={spec.type === "int" ? "numeric" : "decimal"}
          value={String(value)}
          onChange={(event) => onChange(event.target.value)}
          aria-describedby={describedBy}
          aria-invalid={error ? true : undefined}
        />
      )}
      <p id={hintId} className="admin-hint">
        {spec.description} ({hint}; default {String(spec.default)})
      </p>
      {error ? (
        <p id={errorId} className="admin-error admin-field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}
