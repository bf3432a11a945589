import { StableIdError } from '../../model/errors.js';
import type { Fence, JsonObject, WriteOp, WriteRefusal } from './source.js';

/** A batch checked for shape and split by kind, with each body already serialised once. */
export interface WriteBatch {
  /** Every key the batch touches, each once. */
  readonly keys: readonly string[];
  readonly inserts: readonly { readonly key: string; readonly doc: string }[];
  readonly replaces: readonly { readonly key: string; readonly doc: string }[];
  readonly deletes: readonly string[];
}

const invalid = (message: string, context: Record<string, unknown> = {}): StableIdError =>
  new StableIdError('INVALID_ARGUMENT', message, { field: 'ops', ...context });

function serialise(body: JsonObject, key: string): string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalid(`the body of "${key}" must be a JSON object`, { value: key });
  }
  return JSON.stringify(body);
}

/**
 * Checks a batch before any I/O. A key may appear once per batch: two writes
 * to one document in one batch would have no order the preconditions could
 * be checked against. An insert's `from` must name a delete of the batch,
 * and a store that limits its transactions (`maxWrites`) refuses a larger
 * batch here.
 */
export function planBatch(ops: readonly WriteOp[], maxWrites: number | null = null): WriteBatch {
  if (!Array.isArray(ops)) throw invalid('the writes must be an array');
  if (maxWrites !== null && ops.length > maxWrites) {
    throw invalid(`a batch takes at most ${maxWrites} writes in this source, got ${ops.length}: split it`, { limit: maxWrites, writes: ops.length });
  }
  const keys = new Set<string>();
  const inserts: { key: string; doc: string }[] = [];
  const moves: { key: string; from: string }[] = [];
  const replaces: { key: string; doc: string }[] = [];
  const deletes: string[] = [];
  for (const op of ops) {
    if (typeof op?.key !== 'string') throw invalid('every write needs a string key');
    if (keys.has(op.key)) throw invalid(`the batch writes "${op.key}" more than once`, { value: op.key });
    keys.add(op.key);
    switch (op.kind) {
      case 'insert':
        if (op.from !== undefined && typeof op.from !== 'string') throw invalid(`the insert of "${op.key}" moves from a key that is not a string`, { value: op.key });
        inserts.push({ key: op.key, doc: serialise(op.body, op.key) });
        if (op.from !== undefined) moves.push({ key: op.key, from: op.from });
        break;
      case 'replace':
        if (typeof op.expected !== 'string') throw invalid(`the replace of "${op.key}" needs the version it read`, { value: op.key });
        replaces.push({ key: op.key, doc: serialise(op.body, op.key) });
        break;
      case 'delete':
        if (typeof op.expected !== 'string') throw invalid(`the delete of "${op.key}" needs the version it read`, { value: op.key });
        deletes.push(op.key);
        break;
      default:
        throw invalid(`unknown write kind "${String((op as { kind?: unknown }).kind)}"`, { value: (op as { key: string }).key });
    }
  }
  const deleted = new Set(deletes);
  for (const move of moves) {
    if (!deleted.has(move.from)) throw invalid(`the insert of "${move.key}" moves from "${move.from}", which the batch does not delete`, { value: move.key });
  }
  return { keys: [...keys], inserts, replaces, deletes };
}

/** Refuses a fence whose name or token could not be stored faithfully. */
export function checkFence(fence: Fence): Fence {
  if (typeof fence.name !== 'string' || fence.name.length === 0) {
    throw new StableIdError('INVALID_ARGUMENT', 'a fence needs a non-empty name', { field: 'fence' });
  }
  if (!Number.isSafeInteger(fence.token) || fence.token < 0) {
    throw new StableIdError('INVALID_ARGUMENT', `fence token must be a non-negative integer, got ${String(fence.token)}`, { field: 'fence' });
  }
  return fence;
}

/** The batch is refused: a newer lease holder has written. */
export function leaseLost(fence: Fence, current: number | string, where: string): StableIdError {
  return new StableIdError(
    'LEASE_LOST',
    `fence "${fence.name}" is at token ${String(current)} in ${where}; a batch with token ${fence.token} can no longer write`,
    { fence: fence.name, token: fence.token, current: Number(current), source: where },
  );
}

/** The writes that cannot hold against the current versions (absent key: no document). */
export function refusals(ops: readonly WriteOp[], current: ReadonlyMap<string, string>): Map<string, WriteRefusal> {
  const refused = new Map<string, WriteRefusal>();
  for (const op of ops) {
    const version = current.get(op.key);
    if (op.kind === 'insert') {
      if (version !== undefined) refused.set(op.key, 'exists');
    } else if (version !== op.expected) {
      refused.set(op.key, 'conflict');
    }
  }
  return refused;
}
