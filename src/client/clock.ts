/** Milliseconds since the epoch; the client reads time only through one, so tests can drive it. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
