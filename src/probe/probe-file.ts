import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { StableIdError } from '../model/errors.js';
import type { LifecycleState } from '../model/types.js';

/** The `format` member of a probe file's header line. */
export const PROBE_FORMAT = 'stableid-probe';
/** The version of the probe file format this code writes and reads. */
export const PROBE_VERSION = 1;

const STATES: readonly LifecycleState[] = ['active', 'deprecated', 'archived'];

/** One recorded identifier and what it resolved to when recorded. */
export interface ProbeRecord {
  readonly namespace: string;
  readonly scheme: string;
  /** The canonical spelling, as the registry holds it. */
  readonly value: string;
  /** The entity it resolved to: what every replay must find again. */
  readonly entity: string;
  /** Its state when recorded; a later lifecycle change is reported, never a failure. */
  readonly state: LifecycleState;
  /**
   * Whether the value resolved to this identifier without naming its scheme,
   * as most clients ask: it is replayed that way, so that a new scheme whose
   * format overlaps an old one is caught. Otherwise it is replayed with its scheme.
   */
  readonly bare: boolean;
}

/** How many identifiers a namespace held and how many were recorded, per scheme. */
export interface NamespaceSample {
  readonly identifiers: number;
  readonly recorded: number;
  readonly schemes: Readonly<Record<string, { readonly identifiers: number; readonly recorded: number }>>;
}

/** The first line of a probe file: what it is and how it was recorded. */
export interface ProbeHeader {
  readonly format: typeof PROBE_FORMAT;
  readonly version: typeof PROBE_VERSION;
  readonly recordedAt: string;
  /** The registry it was recorded from, without secrets. */
  readonly source: string;
  /** Recording again with the same seed and size over the same registry picks the same identifiers. */
  readonly seed: string;
  /** The most identifiers recorded per namespace. */
  readonly size: number;
  readonly namespaces: Readonly<Record<string, NamespaceSample>>;
}

/** A recorded probe: its header and its records, by namespace, scheme and value. */
export interface Probe {
  readonly header: ProbeHeader;
  readonly records: readonly ProbeRecord[];
}

/** A probe as NDJSON: the header line, then one line per record. */
export function formatProbe(probe: Probe): string {
  return [probe.header, ...probe.records].map((line) => `${JSON.stringify(line)}\n`).join('');
}

const malformed = (line: number, message: string): StableIdError =>
  new StableIdError('INVALID_ARGUMENT', `probe file line ${line}: ${message}`, { field: 'probe', line });

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** Reads a probe file's text; refuses another format, another version, or a malformed line, naming the line. */
export function parseProbe(text: string): Probe {
  const lines = text.split(/\r?\n/);
  let header: ProbeHeader | undefined;
  const records: ProbeRecord[] = [];
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim().length === 0) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw malformed(line, 'not a JSON object');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw malformed(line, 'not a JSON object');
    const item = parsed as Record<string, unknown>;
    if (header === undefined) {
      if (item['format'] !== PROBE_FORMAT) throw malformed(line, `not a probe file (the first line names no format "${PROBE_FORMAT}")`);
      if (item['version'] !== PROBE_VERSION) throw malformed(line, `probe format version ${JSON.stringify(item['version'])}; this stableid reads version ${PROBE_VERSION}`);
      header = item as unknown as ProbeHeader;
      return;
    }
    const { namespace, scheme, value, entity, state, bare } = item;
    if (!isText(namespace) || !isText(scheme) || !isText(value) || !isText(entity)) throw malformed(line, 'a record needs namespace, scheme, value and entity');
    if (!STATES.includes(state as LifecycleState)) throw malformed(line, `state must be one of ${STATES.join(', ')}`);
    if (typeof bare !== 'boolean') throw malformed(line, 'bare must be true or false');
    records.push({ namespace, scheme, value, entity, state: state as LifecycleState, bare });
  });
  if (header === undefined) throw malformed(1, 'the file is empty');
  return { header, records };
}

/** Reads and checks a probe file. */
export async function readProbeFile(path: string): Promise<Probe> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new StableIdError('INVALID_ARGUMENT', `cannot read probe file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { field: 'probe' }, { cause: error });
  }
  return parseProbe(text);
}

/** Writes a probe file whole or not at all: to a temporary file beside it, then renamed over it. */
export async function writeProbeFile(path: string, probe: Probe): Promise<void> {
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, formatProbe(probe));
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new StableIdError('INVALID_ARGUMENT', `cannot write probe file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { field: 'probe' }, { cause: error });
  }
}
