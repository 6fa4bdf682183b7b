import { type Logger, type LoggerOptions, pino } from 'pino';

/**
 * Structured JSON logs, pretty-printed only on an interactive terminal. Deliberately not keyed
 * on NODE_ENV: whether a human is reading is what decides the format.
 */
export function loggerOptions(level: string, stream: { isTTY?: boolean } = process.stdout): LoggerOptions {
  return {
    level,
    // pino-pretty writes to stderr: the service's stdout carries nothing else, and the CLI's stdout stays clean.
    redact: ['req.headers.authorization'],
    ...(stream.isTTY ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname', destination: 2 } } } : {}),
  };
}

/** Logs of the CLI commands go to stderr, so their stdout (summaries, --json) stays clean for pipes. */
export function cliLogger(level: string): Logger {
  const options = loggerOptions(level, process.stderr);
  return options.transport ? pino(options) : pino(options, pino.destination(2));
}
