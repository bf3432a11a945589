import cliProgress from 'cli-progress';

export interface ProgressOptions {
  /** Leads every line, e.g. "import". */
  readonly label: string;
  /** How many lines the work holds, when known; without it there is no bar and no ETA. */
  readonly total: number | null;
  /** Where progress goes; never stdout, which carries results. Default: process.stderr. */
  readonly stream?: NodeJS.WriteStream;
  /** Milliseconds on a monotonic clock; injectable for tests. */
  readonly now?: () => number;
}

/** A progress display. Its owner calls `finish` once, which also releases the bar's timer. */
export interface Progress {
  /** Reports the lines decided so far, failed ones included. */
  update(done: number, failed?: number): void;
  /** Prints the final state; later calls (and updates) are ignored. */
  finish(): void;
}

/** Plain (non-TTY) output prints at most one line per interval, so logs stay short. */
const PLAIN_INTERVAL_MS = 2000;

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * A progress display for long writes. On a TTY, a cli-progress bar with
 * done/total, rate and ETA, redrawn in place; elsewhere (pipes, CI logs),
 * plain lines such as `import: 120000/500000 lines, 24,310/s, ETA 16s` at
 * most every two seconds, and a final line.
 */
export function createProgress(options: ProgressOptions): Progress {
  const settings = Object.freeze({
    label: options.label,
    total: options.total,
    stream: options.stream ?? process.stderr,
    now: options.now ?? (() => performance.now()),
  });
  return settings.stream.isTTY === true ? barProgress(settings) : plainProgress(settings);
}

type Settings = Required<Omit<ProgressOptions, 'total'>> & { readonly total: number | null };

interface Counts {
  readonly done: number;
  readonly failed: number;
  readonly elapsedMs: number;
}

function plainProgress(settings: Settings): Progress {
  const start = settings.now();
  let lastPrinted = start;
  let counts: Counts = { done: 0, failed: 0, elapsedMs: 0 };
  let finished = false;
  const print = (final: boolean): void => {
    settings.stream.write(`${settings.label}: ${describe(counts, settings.total, final)}\n`);
  };
  return {
    update(done, failed = 0) {
      if (finished) return;
      const now = settings.now();
      counts = { done, failed, elapsedMs: now - start };
      if (now - lastPrinted < PLAIN_INTERVAL_MS) return;
      lastPrinted = now;
      print(false);
    },
    finish() {
      if (finished) return;
      finished = true;
      counts = { ...counts, elapsedMs: settings.now() - start };
      print(true);
    },
  };
}

function barProgress(settings: Settings): Progress {
  const start = settings.now();
  let counts: Counts = { done: 0, failed: 0, elapsedMs: 0 };
  let finished = false;
  // No cursor hiding and no line-wrap switching: an interrupted import must not leave the terminal altered.
  const bar = new cliProgress.SingleBar(
    {
      stream: settings.stream,
      linewrap: true,
      format: (barOptions, params) => {
        const head = settings.total === null ? settings.label : `${settings.label} ${cliProgress.Format.BarFormat(params.progress, barOptions)}`;
        return `${head} ${describe(counts, settings.total, finished)}`.slice(0, Math.max(1, params.maxWidth - 1));
      },
    },
    cliProgress.Presets.shades_classic,
  );
  // cli-progress needs a positive total; without one the bar is not drawn anyway.
  bar.start(settings.total ?? 1, 0);
  return {
    update(done, failed = 0) {
      if (finished) return;
      counts = { done, failed, elapsedMs: settings.now() - start };
      bar.update(done);
    },
    finish() {
      if (finished) return;
      finished = true;
      counts = { ...counts, elapsedMs: settings.now() - start };
      bar.update(counts.done);
      bar.stop();
    },
  };
}

/** `120000/500000 lines, 24,310/s, ETA 16s`; the final form gives the elapsed time instead of the ETA. */
function describe(counts: Counts, total: number | null, final: boolean): string {
  const seconds = counts.elapsedMs / 1000;
  const rate = seconds > 0 ? counts.done / seconds : null;
  const parts = [total === null ? `${counts.done} lines` : `${counts.done}/${total} lines`];
  if (final) parts[0] += ` in ${duration(seconds, 1)}`;
  if (rate !== null) parts.push(`${integer.format(rate)}/s`);
  if (!final && total !== null && rate !== null && rate > 0 && counts.done <= total) {
    parts.push(`ETA ${duration((total - counts.done) / rate, 0)}`);
  }
  if (counts.failed > 0) parts.push(`${counts.failed} failed`);
  return parts.join(', ');
}

/** 16s, 4m05s, 2h03m; `decimals` applies below a minute. */
function duration(seconds: number, decimals: number): string {
  if (seconds < 60) return `${decimals > 0 ? seconds.toFixed(decimals) : Math.ceil(seconds)}s`;
  const whole = Math.round(seconds);
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (whole < 3600) return `${Math.floor(whole / 60)}m${pad(whole % 60)}s`;
  return `${Math.floor(whole / 3600)}h${pad(Math.floor(whole / 60) % 60)}m`;
}
