/** A value now, or later. */
export type Maybe<T> = T | Promise<T>;

/**
 * A computation written once over reads that may or may not wait: a
 * generator that yields only the reads still pending (promises) and gets
 * their values back. {@link runSteps} runs it synchronously for as long as
 * no read waits — the in-memory read index never does, so its answers cost
 * no promise and no trip through the microtask queue — and asynchronously
 * from the first read that does (a store).
 */
export type Steps<T> = Generator<Promise<unknown>, T, unknown>;

export function isPromise<T>(value: Maybe<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** One read inside {@link Steps}: `const rows = yield* read(reader.rows(…))`. */
export function* read<T>(value: Maybe<T>): Generator<Promise<unknown>, T, unknown> {
  return isPromise(value) ? ((yield value) as T) : value;
}

/** Two reads that may wait at the same time. */
export function* readBoth<A, B>(a: Maybe<A>, b: Maybe<B>): Generator<Promise<unknown>, [A, B], unknown> {
  if (!isPromise(a) && !isPromise(b)) return [a, b];
  return (yield Promise.all([a, b])) as [A, B];
}

/** Runs the steps: their result, synchronously when no read waited, else a promise of it. */
export function runSteps<T>(steps: Steps<T>): Maybe<T> {
  const first = steps.next();
  return first.done ? first.value : finish(steps, first.value);
}

async function finish<T>(steps: Steps<T>, pending: Promise<unknown>): Promise<T> {
  let waiting = pending;
  for (;;) {
    let value: unknown;
    let failure: { error: unknown } | null = null;
    try {
      value = await waiting;
    } catch (error) {
      failure = { error };
    }
    // A failed read is thrown into the steps, where it surfaces at the `yield` that asked for it.
    const step = failure === null ? steps.next(value) : steps.throw(failure.error);
    if (step.done) return step.value;
    waiting = step.value;
  }
}
