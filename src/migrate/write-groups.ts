/**
 * Splits items into consecutive groups whose writes fit one apply() of a
 * collection that takes at most `maxWrites` (one group when it has no
 * limit). An item's writes stay in one group, so a re-key — the delete and
 * the insert — is always all or none.
 */
export function writeGroups<T>(items: readonly T[], writes: (item: T) => number, maxWrites: number | null): T[][] {
  if (maxWrites === null) return items.length === 0 ? [] : [[...items]];
  const groups: T[][] = [];
  let group: T[] = [];
  let size = 0;
  for (const item of items) {
    const n = writes(item);
    if (group.length > 0 && size + n > maxWrites) {
      groups.push(group);
      group = [];
      size = 0;
    }
    group.push(item);
    size += n;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
