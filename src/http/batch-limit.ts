import type { FastifyRequest } from 'fastify';
import { StableIdError } from '../model/errors.js';

/**
 * A preValidation hook refusing a body whose list `member` holds more than
 * `limit` entries (413, rule batch.limit) before anything is validated, read
 * or written; `what` names the request and its entries in the message.
 */
export function refuseOverLimit(member: string, limit: number, what: { readonly request: string; readonly entries: string; readonly outcome: string }) {
  return async (request: FastifyRequest): Promise<void> => {
    const list = (request.body as Record<string, unknown> | null | undefined)?.[member];
    if (Array.isArray(list) && list.length > limit) {
      throw new StableIdError('INVALID_ARGUMENT', `${what.request} at most ${limit} ${what.entries}, this one ${list.length}; ${what.outcome}`, {
        field: member,
        rule: 'batch.limit',
        limit,
        count: list.length,
      });
    }
  };
}
