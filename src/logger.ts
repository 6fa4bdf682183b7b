import type { LoggerOptions } from 'pino';

/**
 * Structured JSON logs, pretty-printed only on an interactive terminal. Deliberately not keyed
 * on NODE_ENV: whether a human is reading is what decides the format.
 */
export function loggerOptions(level: string, stream: { isTTY?: boolean } = process.stdout): LoggerOptions {
  return {
    level,
    redact: ['req.headers.authorization'],
    ...(stream.isTTY ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
  };
}
