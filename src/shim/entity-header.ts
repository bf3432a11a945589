/** The header a shimmed answer names the entity of its request's identifiers in, when they name one. */
export const ENTITY_HEADER = 'stableid-entity';
