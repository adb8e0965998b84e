import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs to stdout (CloudWatch picks them up on ECS). Level from AIRLOCK_LOG_LEVEL. */
export function createLogger(opts: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: opts.name ?? 'airlock',
    level: opts.level ?? process.env.AIRLOCK_LOG_LEVEL ?? 'info',
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    // Tokens and cookies must never reach the logs.
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'secret', 'token'], censor: '[redacted]' },
  });
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
