import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ANY_CONSUMER } from '../model/flags.js';
import { StableIdError } from '../model/errors.js';
import { requireConsumer } from '../registry/operations/flags.js';

export const CALLER_HEADER = 'x-stableid-caller';

/** The header a read names its consumer with; documented on every read that honours exposure flags. */
export const CallerHeaders = Type.Object({
  [CALLER_HEADER]: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 128,
      description:
        'The consumer (service) asking, whose exposure flags the answer honours (default: the token’s actor, else `*`). ' +
        'Exposure flags roll a scheme out; they are not access control: a caller may name itself.',
    }),
  ),
});

/**
 * The consumer a read is answered for: `X-Stableid-Caller` when sent, else
 * the token's actor, else `*`. The answer then varies with that header, which
 * the reply says (`Vary`, with Authorization), so that no shared cache hands one consumer's answer to another.
 */
export function consumerOf(request: FastifyRequest, reply: FastifyReply): string {
  reply.header('vary', 'X-Stableid-Caller, Authorization');
  const header = request.headers[CALLER_HEADER];
  if (header === undefined) return request.principal?.actor ?? ANY_CONSUMER;
  try {
    return requireConsumer(header);
  } catch (error) {
    throw new StableIdError('INVALID_ARGUMENT', `X-Stableid-Caller must be one header naming the consumer: ${(error as Error).message}`, { field: 'X-Stableid-Caller', in: 'headers' }, { cause: error });
  }
}
