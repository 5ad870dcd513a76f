// Narrowing and mixing the row: a genre, a year range and diversity (the `diversity`
// argument, 0–1, re-ranks by maximal marginal relevance). Changes apply at once; year
// fields only count once they hold a complete year.
import { useQuery } from "@apollo/client";
import { ShopGenresDocument } from "../gql/graphql";

export interface FilterState {
  genre: string;
  yearFrom: string;
  yearTo: string;
  diversity: number;
}

export const NO_FILTERS: FilterState = { genre: "", yearFrom: "", yearTo: "", diversity: 0 };

export function Filters({ value, onChange }: { value: FilterState; onChange: (next: FilterState) => void }) {
  const genres = useQuery(ShopGenresDocument).data?.genres ?? [];
  const set = (patch: Partial<FilterState>) => onChange({ ...value, ...patch });
  return (
    <fieldset className="shop-filters">
      <legend>Refine</legend>
      <label>
        Genre
        <select value={value.genre} onChange={(e) => set({ genre: e.target.value })}>
          <option value="">All genres</option>
          {genres.map((g) => (
            <option key={g.genre} value={g.genre}>
              {g.genre} ({g.items})
            </option>
          ))}
        </select>
      </label>
      <label>
        From year
        <input inputMode="numeric" pattern="\d{4}" maxLength={4} size={5} value={value.yearFrom} onChange={(e) => set({ yearFrom: e.target.value })} />
      </label>
      <label>
        To year
        <input inputMode="numeric" pattern="\d{4}" maxLength={4} size={5} value={value.yearTo} onChange={(e) => set({ yearTo: e.target.value })} />
      </label>
      <label className="shop-diversity">
        {/* Not <output>: it is labelable, and would take the label from the slider. */}
        <span>
          Diversity{" "}
          <span className="shop-diversity-value" aria-hidden="true">
            {value.diversity.toFixed(1)}
          </span>
        </span>
        <input
          type="range"
          min={0}
          max={1}
          step={0.1}
          value={value.diversity}
          aria-valuetext={`${value.diversity.toFixed(1)}: ${value.diversity === 0 ? "pure relevance" : "more variety"}`}
          onChange={(e) => set({ diversity: Number(e.target.value) })}
        />
      </label>
      <button type="button" onClick={() => onChange(NO_FILTERS)}>
        Reset
      </button>
    </fieldset>
  );
}
