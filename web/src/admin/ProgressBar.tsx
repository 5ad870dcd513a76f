// A job's progress (0–1 from the API) as an ARIA progressbar, so assistive technology and
// tests read the same number the bar shows.
export function ProgressBar({ value, label }: { value: number; label: string }) {
  const percent = Math.round(Math.min(1, Math.max(0, value)) * 100);
  return (
    <div className="admin-progress-row">
      <div className="admin-progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-valuetext={`${percent}%`}>
        <div className="admin-progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <span className="admin-progress-text">{percent}%</span>
    </div>
  );
}
