import type { Logger } from '../../ports/logger.js';

/** A readable one-line logger for local mode; `quiet` keeps only warnings and errors. */
export function consoleLogger(options: { quiet?: boolean; debug?: boolean; write?: (line: string) => void } = {}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const line = (level: string, message: string, extra: Record<string, unknown>[]) => {
    const fields = Object.assign({}, ...extra) as Record<string, unknown>;
    const rest = Object.keys(fields).length === 0 ? '' : ` ${JSON.stringify(fields)}`;
    write(`${new Date().toISOString()} ${level} ${message}${rest}`);
  };
  return {
    debug: (message, ...extra) => {
      if (options.debug === true) line('DEBUG', message, extra);
    },
    info: (message, ...extra) => {
      if (!options.quiet) line('INFO ', message, extra);
    },
    warn: (message, ...extra) => line('WARN ', message, extra),
    error: (message, ...extra) => line('ERROR', message, extra),
  };
}
