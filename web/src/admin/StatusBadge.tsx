// Job and run states as text plus a colour (the text carries the meaning; the colour only helps).
export function StatusBadge({ status }: { status: string }) {
  return <span className={`admin-badge admin-badge-${status.toLowerCase()}`}>{status}</span>;
}
