import { StableIdError } from '../errors.js';
import { checkpointsConsistent } from './checkpoint-consistency.js';
import { type CheckpointNote, cosign } from './checkpoint-note.js';
import { type TrustedKey, requireSignatures } from './signature-check.js';
import type { Signer } from './signing.js';

/**
 * What a witness does with a checkpoint a log presents: checks that a key it
 * trusts for the log signed it, and that it extends the last checkpoint the
 * witness co-signed for that log — same namespace, no fewer events, not
 * older, and, by `proof` (the consistency proof from the last size to the
 * new one, hex), the same history with events only appended — and then adds
 * its own signature. A log that showed the witness one history and now
 * shows another is refused with PROOF_FAILED, and the witness signs
 * nothing: an operator cannot get two forks of one log co-signed by the
 * same witness. With no last checkpoint, the first one is taken on trust.
 */
export function witnessCosign(next: CheckpointNote, last: CheckpointNote | null, proof: readonly string[], trusted: readonly TrustedKey[], witness: Signer): CheckpointNote {
  requireSignatures(next, trusted);
  if (last) {
    const before = last.checkpoint;
    const after = next.checkpoint;
    const context = { namespace: after.namespace, size: after.size, previous: before.size };
    if (before.namespace !== after.namespace) {
      throw new StableIdError('INVALID_ARGUMENT', `the witness's last checkpoint is of "${before.namespace}", this one of "${after.namespace}": keep one state per log`, {
        field: 'state',
        namespace: after.namespace,
      });
    }
    if (after.size < before.size) throw new StableIdError('PROOF_FAILED', `the checkpoint of "${after.namespace}" has ${after.size} events, fewer than the ${before.size} already witnessed`, context);
    if (after.time < before.time) throw new StableIdError('PROOF_FAILED', `the checkpoint of "${after.namespace}" is older (${after.time}) than the one already witnessed (${before.time})`, context);
    if (!checkpointsConsistent(before, after, proof)) {
      throw new StableIdError(
        'PROOF_FAILED',
        `the checkpoint of "${after.namespace}" at size ${after.size} does not extend the one witnessed at size ${before.size}: the log shows a different history`,
        context,
      );
    }
  }
  return cosign(next, witness);
}
