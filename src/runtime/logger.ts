import pino, { type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({
    level,
    // API keys, secrets and passwords never reach a log line.
    redact: { paths: ['req.headers.authorization', '*.key', '*.secret', '*.password', '*.token'], censor: '[redacted]' },
  });
}
