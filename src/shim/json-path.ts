import { StableIdError } from '../model/errors.js';

/** One step of a path: a member of an object, or every element of an array. */
export type PathStep = { readonly kind: 'member'; readonly name: string } | { readonly kind: 'each' };

/** Where a value sits in a document: member names and array indexes, from the root. */
export type Pointer = readonly (string | number)[];

/**
 * A value a path leads to. `value` is undefined where the document has
 * nothing there; `expected` says whether the path wanted a value or an array
 * (`items[]` over something that is not an array).
 */
export interface Occurrence {
  readonly pointer: Pointer;
  readonly value: unknown;
  readonly expected: 'value' | 'array';
}

/** Member names that would reach an object's prototype rather than its data. */
const UNSAFE_NAMES: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor']);

const PART = /^([^.[\]]*)((?:\[\])*)$/;

/**
 * Parses a dotted path: members separated by dots, `[]` after a member (or
 * alone at the start) for every element of an array. `id`, `customer.id`,
 * `items[].customerId`, `[].id`, `matrix[][]`.
 */
export function parsePath(text: string): readonly PathStep[] {
  const steps: PathStep[] = [];
  const invalid = (why: string): StableIdError =>
    new StableIdError('INVALID_ARGUMENT', `shim path ${JSON.stringify(text)} ${why}`, { field: 'path', value: text, rule: 'shim.path' });
  const parts = text.split('.');
  parts.forEach((part, index) => {
    const match = PART.exec(part);
    if (match === null) throw invalid('has a misplaced bracket: only `[]` after a member is allowed');
    const name = match[1] ?? '';
    const arrays = (match[2] ?? '').length / 2;
    if (name.length === 0 && (index > 0 || arrays === 0)) throw invalid('has an empty member name');
    if (UNSAFE_NAMES.has(name)) throw invalid(`names the reserved member "${name}"`);
    if (name.length > 0) steps.push(Object.freeze({ kind: 'member', name }));
    for (let i = 0; i < arrays; i += 1) steps.push(Object.freeze({ kind: 'each' }));
  });
  return Object.freeze(steps);
}

/** A pointer as a user reads it: `items[1].customerId`. */
export function formatPointer(pointer: Pointer): string {
  return pointer.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every place `steps` lead to in `root`, in document order, the missing ones included. */
export function locate(root: unknown, steps: readonly PathStep[]): Occurrence[] {
  const found: Occurrence[] = [];
  const walk = (node: unknown, at: number, pointer: Pointer): void => {
    const step = steps[at];
    if (step === undefined) {
      found.push({ pointer, value: node, expected: 'value' });
    } else if (step.kind === 'each') {
      if (Array.isArray(node)) node.forEach((element: unknown, index) => walk(element, at + 1, [...pointer, index]));
      else found.push({ pointer, value: node, expected: 'array' });
    } else {
      const child = isRecord(node) && Object.hasOwn(node, step.name) ? node[step.name] : undefined;
      walk(child, at + 1, [...pointer, step.name]);
    }
  };
  walk(root, 0, []);
  return found;
}

/**
 * `root` with each value `steps` lead to replaced by `replace(value)`.
 * Copy on write: the containers on the way to a changed value are copied,
 * everything else is shared, and `root` itself is never modified.
 */
export function mapAt(root: unknown, steps: readonly PathStep[], replace: (value: unknown) => unknown): unknown {
  const walk = (node: unknown, at: number): unknown => {
    const step = steps[at];
    if (step === undefined) return node === undefined ? node : replace(node);
    if (step.kind === 'each') {
      if (!Array.isArray(node)) return node;
      let copy: unknown[] | null = null;
      node.forEach((element: unknown, index) => {
        const next = walk(element, at + 1);
        if (next !== element) {
          copy ??= [...node];
          copy[index] = next;
        }
      });
      return copy ?? node;
    }
    if (!isRecord(node) || !Object.hasOwn(node, step.name)) return node;
    const child = node[step.name];
    const next = walk(child, at + 1);
    if (next === child) return node;
    // The copy keeps the original's prototype: a framework's null-prototype params stay so.
    const copy = Object.assign(Object.create(Object.getPrototypeOf(node) as object | null) as Record<string, unknown>, node);
    copy[step.name] = next;
    return copy;
  };
  return walk(root, 0);
}
