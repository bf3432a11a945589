import { toStableIdError } from '../../model/errors.js';
import type { Registry } from '../../registry/registry.js';
import type { ProbeRecord } from '../probe-file.js';
import { type Observation, type ProbeTarget, failed } from '../target.js';

/** Replays through the registry itself, as the CLI and the service read it. The registry stays its owner's to close. */
export class RegistryTarget implements ProbeTarget {
  readonly name = 'registry';
  readonly description: string;
  readonly #registry: Registry;

  constructor(registry: Registry) {
    this.#registry = registry;
    this.description = registry.store.description;
  }

  async lookup(record: ProbeRecord): Promise<Observation> {
    try {
      const resolution = await this.#registry.resolve(record.namespace, record.bare ? { value: record.value } : { scheme: record.scheme, value: record.value });
      return { kind: 'found', entity: resolution.entity, state: resolution.identifier.state };
    } catch (thrown) {
      const error = toStableIdError(thrown);
      return failed(error.code, error.message);
    }
  }

  async close(): Promise<void> {}
}
