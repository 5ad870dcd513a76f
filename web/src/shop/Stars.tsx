// Rating with 1–5 stars: five buttons, each labelled for screen readers ("Rate Kolya (1996)
// 4 stars") and reachable with Tab. Buttons rather than a radio group: arrowing through
// radios would send a rating per keypress.
import { useState } from "react";

interface Props {
  label: string;
  /** The current rating, if the visitor gave one. */
  value: number | undefined;
  onRate: (value: number) => void;
  disabled?: boolean;
}

export function Stars({ label, value, onRate, disabled }: Props) {
  const [hover, setHover] = useState<number | undefined>(undefined);
  const shown = hover ?? value ?? 0;
  return (
    <div className="shop-stars" role="group" aria-label={`Rate ${label}`} onMouseLeave={() => setHover(undefined)}>
      {[1, 2, 3, 4, 5].map((v) => (
        <button
          key={v}
          type="button"
          className={v <= shown ? "shop-star on" : "shop-star"}
          aria-label={`Rate ${label} ${v} star${v === 1 ? "" : "s"}`}
          aria-pressed={value === v}
          disabled={disabled}
          onMouseEnter={() => setHover(v)}
          onFocus={() => setHover(v)}
          onBlur={() => setHover(undefined)}
          onClick={() => onRate(v)}
        >
          {v <= shown ? "★" : "☆"}
        </button>
      ))}
    </div>
  );
}
