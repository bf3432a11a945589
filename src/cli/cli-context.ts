import { userInfo } from 'node:os';
import { type RunStore, openRunStore } from '../migrate/runs/index.js';
import { type Source, openSource } from '../migrate/source/index.js';
import { StableIdError } from '../model/errors.js';
import { defaultDatabase, openRegistry } from '../open.js';
import type { CallContext, RegistryOptions } from '../registry/registry.js';
import { Registry } from '../registry/registry.js';

/** Where the CLI reads and writes; tests pass their own. */
export interface CliIO {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface GlobalOptions {
  readonly db?: string;
  readonly json?: boolean;
  readonly actor?: string;
  readonly reason?: string;
  readonly correlationId?: string;
}

function defaultActor(env: CliIO['env']): string {
  if (env['STABLEID_ACTOR']) return env['STABLEID_ACTOR'];
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/**
 * What one CLI invocation shares between its commands: the I/O, the global
 * options, and the registry, opened on first use and closed at the end.
 */
export class CliContext {
  readonly io: CliIO;
  #options: GlobalOptions = {};
  #registry: Registry | undefined;
  #source: Source | undefined;
  #runs: RunStore | undefined;

  constructor(io: CliIO) {
    this.io = io;
  }

  setOptions(options: GlobalOptions): void {
    this.#options = options;
  }

  get options(): GlobalOptions {
    return this.#options;
  }

  get json(): boolean {
    return this.#options.json === true;
  }

  /** The registry, opened on first use; `readIndex` applies only to that first opening (the service asks for it). */
  registry(options: Pick<RegistryOptions, 'readIndex'> = {}): Registry {
    this.#registry ??= openRegistry(this.database(), { actor: defaultActor(this.io.env), ...options });
    return this.#registry;
  }

  /** The migration run records, kept beside the registry in the same database. */
  runs(): RunStore {
    this.#runs ??= openRunStore(this.database());
    return this.#runs;
  }

  /** Who this invocation is, for run records and leases. */
  get actor(): string {
    return this.#options.actor ?? defaultActor(this.io.env);
  }

  /** The registry database reference this invocation uses. */
  database(): string {
    return this.#options.db ?? this.io.env['STABLEID_DB'] ?? defaultDatabase();
  }

  /** The migration source named by `--source` or STABLEID_SOURCE, opened once and closed at the end. */
  async source(reference?: string): Promise<Source> {
    this.#source ??= openSource(this.sourceReference(reference));
    return this.#source;
  }

  /** The migration source reference: `--source`, else STABLEID_SOURCE. */
  sourceReference(reference?: string): string {
    const target = reference ?? this.io.env['STABLEID_SOURCE'];
    if (!target) throw new StableIdError('INVALID_ARGUMENT', 'name the data store to migrate with --source <file, postgres://…, redis://… or dynamodb://…> or STABLEID_SOURCE', { field: 'source' });
    return target;
  }

  /** Who, why and under which correlation id this invocation writes. */
  call(): CallContext {
    return {
      ...(this.#options.actor ? { actor: this.#options.actor } : {}),
      ...(this.#options.reason ? { reason: this.#options.reason } : {}),
      ...(this.#options.correlationId ? { correlationId: this.#options.correlationId } : {}),
    };
  }

  /** Prints a result: the JSON document with --json, the human text otherwise. */
  print(human: string | (() => string), json: unknown): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    else this.io.stdout.write(`${typeof human === 'function' ? human() : human}\n`);
  }

  /** A line of narration for people: on stderr, so stdout stays clean for results. */
  note(text: string): void {
    if (!this.json) this.io.stderr.write(`${text}\n`);
  }

  async close(): Promise<void> {
    await this.#registry?.close();
    this.#registry = undefined;
    await this.#source?.close();
    this.#source = undefined;
    await this.#runs?.close();
    this.#runs = undefined;
  }
}
