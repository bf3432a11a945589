import semver from 'semver';
import { isStableIdError } from '../model/errors.js';
import { type SchemeFormat, parseSchemeFormat } from '../model/formats/index.js';
import type { LifecycleState } from '../model/types.js';
import { Shape } from './shape.js';
import { type DocumentPath, SourceFile } from './source-file.js';

/** A command or a webhook the contract runs when a scheme of the namespace changes state. */
export type LifecycleHook = { readonly command: string } | { readonly webhook: string };

export const HOOK_TRIGGERS = ['deprecate', 'sunset', 'archive'] as const;
export type HookTrigger = (typeof HOOK_TRIGGERS)[number];

export interface ContractScheme {
  readonly name: string;
  readonly format: SchemeFormat;
  readonly state: LifecycleState;
  /** ISO date; required when deprecated. */
  readonly sunset: string | null;
  readonly replacement: string | null;
  /** The scheme new identifiers are issued in; at most one per namespace. */
  readonly primary: boolean;
  /** `flagged`: clients see the scheme's identifiers only where its exposure flag lets them. */
  readonly exposure: 'open' | 'flagged';
}

export interface ContractNamespace {
  readonly name: string;
  readonly owner: string;
  readonly stewards: readonly string[];
  readonly description: string | null;
  /** Breaking changes wait for a steward's approval (two-person rule). */
  readonly protected: boolean;
  readonly schemes: readonly ContractScheme[];
  readonly hooks: Readonly<Record<HookTrigger, readonly LifecycleHook[]>>;
}

/** The namespace contract kept in git: what the registry must hold, and the contract's own version. */
export interface Contract {
  /** Semver; a breaking change needs a new major version. */
  readonly version: string;
  readonly namespaces: readonly ContractNamespace[];
  /** Where each part was written, for reports. */
  readonly source: SourceFile;
}

const STATES: readonly LifecycleState[] = ['active', 'deprecated', 'archived'];

/** Reads a contract file (YAML or JSON). Anything malformed is INVALID_ARGUMENT naming the file, line and field. */
export function readContract(file: string): Contract {
  return parseContract(SourceFile.read(file));
}

export function parseContract(source: SourceFile): Contract {
  const shape = new Shape(source);
  const root = shape.object([], source.data);
  shape.keys([], root, ['contract', 'namespaces']);
  const version = root['contract'];
  // YAML reads 1.0 as a number: the message says what to write instead.
  if (typeof version !== 'string' || semver.valid(version) === null) throw source.invalid(['contract'], `must be a semantic version such as 1.4.0, got ${JSON.stringify(version)}`);
  const namespaces = shape.object(['namespaces'], root['namespaces'] ?? {});
  return {
    version,
    namespaces: Object.entries(namespaces).map(([name, value]) => parseNamespace(shape, name, value)),
    source,
  };
}

function parseNamespace(shape: Shape, name: string, value: unknown): ContractNamespace {
  const at: DocumentPath = ['namespaces', name];
  shape.name(at, name);
  const spec = shape.object(at, value);
  shape.keys(at, spec, ['owner', 'stewards', 'description', 'protected', 'schemes', 'hooks']);
  const stewards = spec['stewards'] === undefined ? [] : shape.array([...at, 'stewards'], spec['stewards']).map((s, i) => shape.string([...at, 'stewards', i], s));
  const schemes = Object.entries(shape.object([...at, 'schemes'], spec['schemes'] ?? {})).map(([scheme, body]) => parseScheme(shape, [...at, 'schemes', scheme], scheme, body));
  const primaries = schemes.filter((s) => s.primary);
  if (primaries.length > 1) throw shape.source.invalid([...at, 'schemes'], `at most one scheme is primary, not ${primaries.map((s) => s.name).join(' and ')}`);
  for (const scheme of schemes) {
    if (scheme.replacement !== null && !schemes.some((s) => s.name === scheme.replacement)) {
      throw shape.source.invalid([...at, 'schemes', scheme.name, 'replacement'], `names no scheme of namespace ${name}`);
    }
  }
  return {
    name,
    owner: shape.string([...at, 'owner'], spec['owner']),
    stewards,
    description: spec['description'] === undefined ? null : shape.string([...at, 'description'], spec['description']),
    protected: spec['protected'] === undefined ? false : shape.boolean([...at, 'protected'], spec['protected']),
    schemes,
    hooks: parseHooks(shape, [...at, 'hooks'], spec['hooks']),
  };
}

function parseScheme(shape: Shape, at: DocumentPath, name: string, value: unknown): ContractScheme {
  shape.name(at, name);
  const spec = shape.object(at, value);
  shape.keys(at, spec, ['format', 'state', 'sunset', 'replacement', 'primary', 'exposure']);
  let format: SchemeFormat;
  try {
    format = parseSchemeFormat(spec['format']);
  } catch (error) {
    if (isStableIdError(error, 'INVALID_SCHEME')) throw shape.source.invalid([...at, 'format'], error.message);
    throw error;
  }
  const state = spec['state'] === undefined ? 'active' : shape.string([...at, 'state'], spec['state']);
  if (!(STATES as readonly string[]).includes(state)) throw shape.source.invalid([...at, 'state'], `must be one of ${STATES.join(', ')}`);
  const sunset = spec['sunset'] === undefined ? null : shape.date([...at, 'sunset'], spec['sunset']);
  if (state === 'deprecated' && sunset === null) throw shape.source.invalid([...at, 'sunset'], 'a deprecated scheme needs a sunset date');
  if (state === 'active' && sunset !== null) throw shape.source.invalid([...at, 'sunset'], 'only a deprecated scheme has a sunset date');
  const exposure = spec['exposure'] === undefined ? 'open' : shape.string([...at, 'exposure'], spec['exposure']);
  if (exposure !== 'open' && exposure !== 'flagged') throw shape.source.invalid([...at, 'exposure'], 'must be open or flagged');
  return {
    name,
    format,
    state: state as LifecycleState,
    sunset,
    replacement: spec['replacement'] === undefined ? null : shape.string([...at, 'replacement'], spec['replacement']),
    primary: spec['primary'] === undefined ? false : shape.boolean([...at, 'primary'], spec['primary']),
    exposure,
  };
}

function parseHooks(shape: Shape, at: DocumentPath, value: unknown): Record<HookTrigger, LifecycleHook[]> {
  const hooks: Record<HookTrigger, LifecycleHook[]> = { deprecate: [], sunset: [], archive: [] };
  if (value === undefined) return hooks;
  const spec = shape.object(at, value);
  shape.keys(at, spec, HOOK_TRIGGERS);
  for (const trigger of HOOK_TRIGGERS) {
    if (spec[trigger] === undefined) continue;
    hooks[trigger] = shape.array([...at, trigger], spec[trigger]).map((entry, i) => {
      const where = [...at, trigger, i];
      const hook = shape.object(where, entry);
      shape.keys(where, hook, ['command', 'webhook']);
      if ((hook['command'] === undefined) === (hook['webhook'] === undefined)) throw shape.source.invalid(where, 'a hook is either { command } or { webhook }');
      if (hook['command'] !== undefined) return { command: shape.string([...where, 'command'], hook['command']) };
      const url = shape.string([...where, 'webhook'], hook['webhook']);
      if (!/^https?:\/\//.test(url)) throw shape.source.invalid([...where, 'webhook'], 'must be an http(s) URL');
      return { webhook: url };
    });
  }
  return hooks;
}

