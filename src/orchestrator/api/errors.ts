import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isUserError } from '../../core/errors.js';
import type { Logger } from '../../telemetry/logger.js';

/** The body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

/** Turns errors into `{ error: { code, message, field } }` with the right status; user mistakes never carry a stack. */
export function errorHandler(logger: Logger) {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const first = err.validation[0]!;
      const where = err.validationContext ?? 'body';
      const path = first.instancePath.replace(/^\//, '').replace(/\//g, '.');
      const field = path ? `${where}.${path}` : where;
      const body: ErrorBody = { error: { code: 'invalid_input', message: `${field}: ${first.message}`, field } };
      return reply.status(400).send(body);
    }
    if (isUserError(err)) {
      const body: ErrorBody = { error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } };
      return reply.status(err.status).send(body);
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) logger.error({ err, url: req.url, method: req.method }, 'request failed');
    const message = status === 500 ? 'internal error; the runner logs have the details' : err.message;
    const code = status === 500 ? 'internal' : (err.code ?? 'bad_request').toLowerCase();
    return reply.status(status).send({ error: { code, message } } satisfies ErrorBody);
  };
}
