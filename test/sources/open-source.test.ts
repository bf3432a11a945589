import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PostgresSource, SqliteSource, openSource } from '../../src/migrate/source/index.js';
import { StableIdError } from '../../src/model/errors.js';

describe('openSource', () => {
  it('opens SQLite for a file path, sqlite:<path> or :memory:', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stableid-open-source-'));
    try {
      for (const [reference, description] of [
        [join(dir, 'a.db'), `sqlite:${join(dir, 'a.db')}`],
        [`sqlite:${join(dir, 'nested', 'b.db')}`, `sqlite:${join(dir, 'nested', 'b.db')}`],
        [':memory:', 'sqlite::memory:'],
      ] as const) {
        const source = openSource(reference);
        try {
          assert.ok(source instanceof SqliteSource);
          assert.equal(source.description, description);
          const orders = await source.collection('orders');
          assert.equal((await orders.apply([{ kind: 'insert', key: 'a', body: { ok: true } }])).ok, true);
        } finally {
          await source.close();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens PostgreSQL for postgres:// and postgresql:// URLs, naming the database without the password', async () => {
    for (const reference of ['postgres://app:pw-secret@db.internal:5433/shop', 'postgresql://app:pw-secret@db.internal:5433/shop?schema=sales']) {
      // Nothing connects until the first use.
      const source = openSource(reference);
      try {
        assert.ok(source instanceof PostgresSource);
        assert.match(source.description, /^postgres:\/\/app@db\.internal:5433\/shop/);
        assert.doesNotMatch(source.description, /pw-secret/);
      } finally {
        await source.close();
      }
    }
  });

  it('opens Redis and DynamoDB for their URLs, checking the URL at once and loading their client only on first use', async () => {
    for (const [reference, description] of [
      ['redis://app:pw-secret@cache.internal:6380/2?format=hash', 'redis://app@cache.internal:6380/2?format=hash'],
      ['rediss://cache.internal', 'rediss://cache.internal:6379/0'],
      ['dynamodb://?region=eu-west-1&prefix=prod_', 'dynamodb://?region=eu-west-1&prefix=prod_'],
      ['dynamodb://127.0.0.1:8000', 'dynamodb://127.0.0.1:8000?region=local'],
    ] as const) {
      // Nothing connects until the first use.
      const source = openSource(reference);
      assert.equal(source.description, description);
      assert.doesNotMatch(source.description, /pw-secret/);
      await source.close();
    }
    for (const reference of ['redis://h/0?format=xml', 'dynamodb://h:1/orders']) {
      assert.throws(() => openSource(reference), (error: unknown) => error instanceof StableIdError && error.code === 'INVALID_ARGUMENT');
    }
  });

  it('refuses another URL scheme, or nothing at all', () => {
    for (const reference of ['mysql://root@localhost/app', '', 'sqlite:']) {
      assert.throws(() => openSource(reference), (error: unknown) => error instanceof StableIdError && error.code === 'INVALID_ARGUMENT');
    }
  });
});
