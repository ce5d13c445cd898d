import pino, { type DestinationStream, type Logger } from 'pino';

/** JSON logs on stdout, or on `destination` (tests read them there). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({
    level,
    // API keys, secrets and passwords never reach a log line.
    redact: { paths: ['req.headers.authorization', '*.key', '*.secret', '*.password', '*.token'], censor: '[redacted]' },
  }, destination);
}
