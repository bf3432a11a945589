import { StableIdError } from '../../model/errors.js';

// A plain lowercase identifier needs no quoting in SQL, so a name that passes can be put in a statement as it is.
const NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** A collection name as a table name, refused with INVALID_ARGUMENT unless it is a plain lowercase SQL identifier. */
export function tableName(name: string): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new StableIdError('INVALID_ARGUMENT', `collection "${String(name)}" must be a lowercase SQL identifier (a-z, 0-9, _; at most 63)`, {
      field: 'collection',
      value: String(name),
    });
  }
  return name;
}

/** A table, optionally in a named schema. */
export interface TableReference {
  readonly schema: string | null;
  readonly table: string;
}

/** Reads `table` or `schema.table`, each part a plain lowercase SQL identifier. */
export function tableReference(name: string): TableReference {
  const parts = typeof name === 'string' ? name.split('.') : [];
  if (parts.length === 2) {
    try {
      return { schema: tableName(parts[0] ?? ''), table: tableName(parts[1] ?? '') };
    } catch {
      // Report the whole name the caller gave, not the part that failed.
    }
  }
  return { schema: null, table: tableName(name) };
}
