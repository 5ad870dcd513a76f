// Admin key entry. The key stays in this tab's sessionStorage (web/src/apollo.ts sends it as
// x-api-key); the console checks it with an admin query before showing anything else.
import { useState, type FormEvent } from "react";

export function KeyForm({ onKey, problem }: { onKey: (key: string) => void; problem: string | null }) {
  const [key, setKey] = useState("");
  const [empty, setEmpty] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) {
      setEmpty(true);
      return;
    }
    onKey(trimmed);
  };
  const message = empty ? "Enter the admin key." : problem;
  return (
    <section className="admin-section admin-key" aria-labelledby="admin-key-title">
      <h2 id="admin-key-title">Unlock the admin console</h2>
      <p className="admin-muted">The server's ADMIN_API_KEY. It is kept only in this browser tab and sent with each request as x-api-key.</p>
      <form onSubmit={submit} noValidate>
        <label htmlFor="admin-key-input">Admin key</label>
        <div className="admin-inline">
          <input
            id="admin-key-input"
            type="password"
            autoComplete="current-password"
            value={key}
            onChange={(event) => {
              setKey(event.target.value);
              setEmpty(false);
            }}
            aria-invalid={message ? true : undefined}
            aria-describedby={message ? "admin-key-problem" : undefined}
          />
          <button type="submit" className="primary">
            Unlock
          </button>
        </div>
        {message ? (
          <p id="admin-key-problem" className="admin-error" role="alert">
            {message}
          </p>
        ) : null}
      </form>
    </section>
  );
}
