import type { FastifyServerOptions } from 'fastify';

/** Pino options as Fastify takes them (level, stream, transport, …). */
export type LoggerOptions = Exclude<NonNullable<FastifyServerOptions['logger']>, boolean>;

/**
 * Headers that carry credentials. They are censored wherever a log line
 * would show them, whatever else a caller's logger options say.
 */
const SECRET_PATHS = ['authorization', 'cookie', 'proxy-authorization', 'x-api-key', 'set-cookie'].flatMap((header) => [
  `req.headers["${header}"]`,
  `headers["${header}"]`,
  `res.headers["${header}"]`,
]);

/** The logger options of the app: off, on at `info`, or the caller's — each with credentials redacted. */
export function loggerOptions(logger: boolean | LoggerOptions | undefined): false | LoggerOptions {
  if (logger === undefined || logger === false) return false;
  const base: LoggerOptions = logger === true ? { level: 'info' } : logger;
  const given = base.redact;
  const paths = Array.isArray(given) ? given : given === undefined ? [] : given.paths;
  const censor = given !== undefined && !Array.isArray(given) ? given.censor : undefined;
  return { ...base, redact: { paths: [...new Set([...paths, ...SECRET_PATHS])], censor: censor ?? '[redacted]' } };
}
