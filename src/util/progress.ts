// Terminal progress bars for long jobs (imports, training, evaluation). Draws only on a
// TTY; elsewhere prints a line every few seconds so logs stay readable.
import cliProgress from "cli-progress";

export interface ProgressBar {
  update(done: number, total: number, status?: string): void;
  stop(): void;
}

export function progressBar(label: string, unit: "bytes" | "count" = "count", stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  const format = (value: number) => (unit === "bytes" ? `${(value / 1048576).toFixed(1)} MB` : String(value));
  if (!stream.isTTY) {
    let lastPrint = 0;
    return {
      update(done, total, status) {
        const now = Date.now();
        if (now - lastPrint < 3000 && done < total) return;
        lastPrint = now;
        stream.write(`${label}: ${format(done)}/${format(total)}${status ? ` ${status}` : ""}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {doneText}/{totalText} | ETA {eta_formatted} {status}`,
      hideCursor: true,
      stream,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, status = "") {
      const payload = { doneText: format(done), totalText: format(total), status };
      if (!started) {
        bar.start(total, done, payload);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
