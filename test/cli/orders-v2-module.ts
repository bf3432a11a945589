/** A migration module as a user writes it: plain JavaScript, default-exporting the migration. It re-keys orders by a v2 id it adds. */
export const MODULE = `
const pad = (n) => String(n).padStart(26, '0');
export default {
  id: 'orders-v2',
  namespace: 'order',
  collection: 'orders',
  identifier: { field: 'number', scheme: 'v1' },
  transform: (doc) => ({ ...doc, total: { amount: doc.total, currency: 'EUR' } }),
  key: ({ after }) => after.publicId,
  add: [{ scheme: 'v2', field: 'publicId', derive: ({ before }) => 'ord_' + pad(Number(before.number.slice(4))) }],
};
`;
