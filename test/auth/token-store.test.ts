import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  type NewToken,
  PostgresTokenStore,
  SqliteTokenStore,
  type TokenStore,
  formatScope,
  openTokenStore,
  parseScope,
} from '../../src/auth/index.js';
import { hashSecret, secretMatches, secretTokenId } from '../../src/auth/token-secret.js';
import type { ErrorCode } from '../../src/model/errors.js';
import { type TokenStoreKind, type TokenStorePlace, postgres, sqlite } from './token-store-kinds.js';

/** Every kind of token store; a new backend is one more entry. */
const KINDS: TokenStoreKind[] = [sqlite, await postgres()];

const code = (expected: ErrorCode) => (error: unknown) => (error as { code?: unknown }).code === expected;

const T0 = new Date('2025-01-01T00:00:00.000Z');
const later = (ms: number): Date => new Date(T0.getTime() + ms);

const token = (overrides: Partial<NewToken> = {}): NewToken => ({
  actor: 'billing-service',
  scopes: [parseScope('order:read'), parseScope('customer:read')],
  createdBy: 'alice',
  now: T0,
  ...overrides,
});

/** The secret with one character of its random part changed: the same id, a wrong key. */
const tampered = (secret: string): string => `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;

describe('token secrets', () => {
  it('name their token id, and nothing else parses', () => {
    assert.equal(secretTokenId(`sid_0123456789abcdef_${'A'.repeat(43)}`), '0123456789abcdef');
    assert.equal(secretTokenId(`sid_0123456789abcdef_${'_'.repeat(43)}`), '0123456789abcdef', 'base64url keys may hold underscores');
    for (const malformed of ['', 'sid_', `Bearer sid_0123456789abcdef_${'A'.repeat(43)}`, `sid_0123456789ABCDEF_${'A'.repeat(43)}`, `sid_0123456789abcdef_${'A'.repeat(42)}`, `sid_0123456789abcdef_${'A'.repeat(44)}`, `sid_0123456789abcdef_${'A'.repeat(42)}=`, 42, null]) {
      assert.equal(secretTokenId(malformed), null, String(malformed));
    }
  });

  it('match their hash only, and an unknown hash never', () => {
    const secret = `sid_0123456789abcdef_${'A'.repeat(43)}`;
    assert.equal(secretMatches(secret, hashSecret(secret)), true);
    assert.equal(secretMatches(tampered(secret), hashSecret(secret)), false);
    assert.equal(secretMatches(secret, undefined), false);
    assert.equal(secretMatches(secret, 'not hex'), false);
    assert.equal(secretMatches(secret, '0'.repeat(64)), false);
  });
});

for (const kind of KINDS) {
  describe(`${kind.name} token store`, { skip: kind.skip }, () => {
    let place: TokenStorePlace;
    let store: TokenStore;
    beforeEach(() => {
      place = kind.place();
      store = place.open();
    });
    afterEach(async () => place.dispose());

    describe('create', () => {
      it('mints an id and a secret shown once, and stores the record', async () => {
        const created = await store.create(token());
        assert.match(created.id, /^[0-9a-f]{16}$/);
        assert.match(created.secret, new RegExp(`^sid_${created.id}_[A-Za-z0-9_-]{43}$`));
        assert.deepEqual(created.scopes.map(formatScope), ['order:read', 'customer:read']);
        const { secret, ...record } = created;
        assert.ok(secret);
        assert.deepEqual(await store.get(created.id), record);
        assert.deepEqual(record, {
          id: created.id,
          actor: 'billing-service',
          scopes: [parseScope('order:read'), parseScope('customer:read')],
          createdAt: T0.toISOString(),
          createdBy: 'alice',
          revokedAt: null,
          revokedBy: null,
          lastUsedAt: null,
        });
        assert.notEqual((await store.create(token())).id, created.id, 'every token gets its own id');
      });

      it('stores only a hash: the secret, and its random part, are in no row of the database', async () => {
        const created = await store.create(token());
        const other = await store.create(token({ actor: 'ops', scopes: [parseScope('*:admin')] }));
        await store.authenticate(created.secret, later(1));
        await store.revoke(other.id, later(2), 'alice');
        const dump = JSON.stringify(await place.everything());
        for (const { secret } of [created, other]) {
          assert.ok(!dump.includes(secret), 'the secret is not stored');
          assert.ok(!dump.includes(secret.slice(`sid_${created.id}_`.length)), 'nor its random part');
        }
        const [row] = await place.query(`SELECT hash FROM api_tokens WHERE id = '${created.id}'`);
        assert.equal(row?.['hash'], hashSecret(created.secret));
      });

      it('refuses a token without scopes, with a malformed scope or without an actor, storing nothing', async () => {
        await assert.rejects(store.create(token({ scopes: [] })), code('INVALID_ARGUMENT'));
        await assert.rejects(store.create(token({ scopes: [{ namespace: 'order', role: 'owner' as 'read' }] })), code('INVALID_ARGUMENT'));
        await assert.rejects(store.create(token({ actor: '' })), code('INVALID_ARGUMENT'));
        await assert.rejects(store.create(token({ actor: ' padded ' })), code('INVALID_ARGUMENT'));
        await assert.rejects(store.create(token({ createdBy: '' })), code('INVALID_ARGUMENT'));
        await assert.rejects(store.create(token({ now: new Date(Number.NaN) })), code('INVALID_ARGUMENT'));
        assert.deepEqual(await store.list(), []);
      });

      it('drops duplicate scopes and keeps * scopes', async () => {
        const created = await store.create(token({ scopes: [parseScope('*:admin'), parseScope('order:read'), parseScope('*:admin')] }));
        assert.deepEqual((await store.get(created.id))?.scopes.map(formatScope), ['*:admin', 'order:read']);
      });
    });

    describe('authenticate', () => {
      it('answers the actor and scopes of a valid secret', async () => {
        const created = await store.create(token());
        assert.deepEqual(await store.authenticate(created.secret, later(1)), {
          id: created.id,
          actor: 'billing-service',
          scopes: [parseScope('order:read'), parseScope('customer:read')],
        });
      });

      it('answers null for a wrong key, an unknown id, or anything malformed', async () => {
        const created = await store.create(token());
        const key = created.secret.slice(`sid_${created.id}_`.length);
        for (const wrong of [
          tampered(created.secret),
          `sid_${created.id}_${'A'.repeat(43)}`,
          `sid_ffffffffffffffff_${key}`,
          `${created.secret}A`,
          created.secret.slice(0, -1),
          created.secret.toUpperCase(),
          ` ${created.secret}`,
          `Bearer ${created.secret}`,
          created.id,
          key,
          hashSecret(created.secret),
          '',
        ]) {
          assert.equal(await store.authenticate(wrong, later(1)), null, wrong);
        }
        assert.equal(await store.authenticate(undefined as unknown as string, later(1)), null);
      });

      it('answers null once the token is revoked, and for other tokens goes on', async () => {
        const first = await store.create(token());
        const second = await store.create(token({ actor: 'reporting' }));
        await store.revoke(first.id, later(1), 'alice');
        assert.equal(await store.authenticate(first.secret, later(2)), null);
        assert.equal((await store.authenticate(second.secret, later(2)))?.actor, 'reporting');
      });

      it('records the last use, at most once a minute, and only on success', async () => {
        const created = await store.create(token());
        await store.authenticate(tampered(created.secret), later(1));
        assert.equal((await store.get(created.id))?.lastUsedAt, null, 'a failed attempt is not a use');
        await store.authenticate(created.secret, later(1_000));
        assert.equal((await store.get(created.id))?.lastUsedAt, later(1_000).toISOString());
        await store.authenticate(created.secret, later(30_000));
        assert.equal((await store.get(created.id))?.lastUsedAt, later(1_000).toISOString());
        await store.authenticate(created.secret, later(61_000));
        assert.equal((await store.get(created.id))?.lastUsedAt, later(61_000).toISOString());
      });

      it('authenticates from another store on the same database (another replica)', async () => {
        const created = await store.create(token());
        const replica = place.open();
        assert.equal((await replica.authenticate(created.secret, later(1)))?.id, created.id);
        await replica.revoke(created.id, later(2), 'alice');
        assert.equal(await store.authenticate(created.secret, later(3)), null);
      });

      it('never puts the secret in an error', async () => {
        const created = await store.create(token());
        await store.close();
        await assert.rejects(store.authenticate(created.secret, later(1)), (error: unknown) => {
          const text = `${(error as Error).message} ${JSON.stringify(error)}`;
          return code('STORE_UNAVAILABLE')(error) && !text.includes(created.secret);
        });
      });
    });

    describe('revoke, list, get', () => {
      it('revokes once: repeating it changes nothing and keeps the first revocation', async () => {
        const created = await store.create(token());
        const first = await store.revoke(created.id, later(1), 'alice');
        assert.equal(first.changed, true);
        assert.equal(first.token.revokedAt, later(1).toISOString());
        assert.equal(first.token.revokedBy, 'alice');
        const again = await store.revoke(created.id, later(2), 'bob');
        assert.equal(again.changed, false);
        assert.deepEqual(again.token, first.token);
      });

      it('refuses to revoke an unknown token with TOKEN_NOT_FOUND', async () => {
        await assert.rejects(store.revoke('ffffffffffffffff', later(1), 'alice'), code('TOKEN_NOT_FOUND'));
        await assert.rejects(store.revoke('', later(1), 'alice'), code('TOKEN_NOT_FOUND'));
        await assert.rejects(store.revoke('ffffffffffffffff', later(1), ''), code('INVALID_ARGUMENT'));
      });

      it('lists every token oldest first, revoked ones included, never a hash or secret', async () => {
        const a = await store.create(token({ actor: 'a', now: later(2) }));
        const b = await store.create(token({ actor: 'b', now: later(1) }));
        const c = await store.create(token({ actor: 'c', now: later(3) }));
        await store.revoke(c.id, later(4), 'alice');
        const list = await store.list();
        assert.deepEqual(
          list.map((t) => [t.actor, t.revokedAt]),
          [
            ['b', null],
            ['a', null],
            ['c', later(4).toISOString()],
          ],
        );
        const text = JSON.stringify(list);
        for (const created of [a, b, c]) {
          assert.ok(!text.includes(created.secret));
          assert.ok(!text.includes(hashSecret(created.secret)));
        }
        for (const record of list) assert.deepEqual(Object.keys(record).sort(), ['actor', 'createdAt', 'createdBy', 'id', 'lastUsedAt', 'revokedAt', 'revokedBy', 'scopes']);
        assert.equal(await store.get('ffffffffffffffff'), undefined);
      });
    });

    describe('the store', () => {
      it('keeps tokens across reopening', async () => {
        const created = await store.create(token());
        await store.close();
        const reopened = place.open();
        assert.equal((await reopened.authenticate(created.secret, later(1)))?.actor, 'billing-service');
      });

      it('lives beside the registry, in a table of its own, its schema recorded in auth_schema', async () => {
        const registry = place.openRegistry();
        await registry.createNamespace({ name: 'order', owner: 'team-orders', stewards: [], description: null });
        await store.create(token());
        assert.deepEqual(
          (await place.query('SELECT version, name FROM auth_schema')).map((r) => [Number(r['version']), r['name']]),
          [[1, 'api tokens']],
        );
        assert.equal((await registry.verify()).ok, true, 'the registry still verifies');
        assert.equal((await registry.listNamespaces()).length, 1);
      });

      it('refuses a schema newer than it knows', async () => {
        await store.list();
        await store.close();
        await place.query("INSERT INTO auth_schema (version, name, applied_at) VALUES (999, 'from the future', '2030-01-01T00:00:00.000Z')");
        await assert.rejects(async () => {
          const newer = place.open();
          await newer.list();
        }, code('STORE_SCHEMA'));
      });

      it('refuses calls once closed', async () => {
        await store.close();
        await store.close();
        await assert.rejects(store.list(), code('STORE_UNAVAILABLE'));
      });
    });
  });
}

describe('sqlite token store under a busy registry', () => {
  it('authenticates at once while another connection holds the write lock, and records the use later', async () => {
    const place = sqlite.place();
    try {
      const store = place.open();
      const created = await store.create(token());
      await place.query('BEGIN IMMEDIATE');
      const started = Date.now();
      assert.equal((await store.authenticate(created.secret, later(1)))?.id, created.id);
      assert.ok(Date.now() - started < 1000, 'no wait for the lock');
      await place.query('COMMIT');
      assert.equal((await store.get(created.id))?.lastUsedAt, null, 'the use could not be recorded then');
      await store.authenticate(created.secret, later(2));
      assert.equal((await store.get(created.id))?.lastUsedAt, later(2).toISOString());
    } finally {
      await place.dispose();
    }
  });
});

describe('openTokenStore', () => {
  it('opens the store a database reference names', async () => {
    const memory = openTokenStore(':memory:');
    assert.ok(memory instanceof SqliteTokenStore);
    assert.equal(memory.description, 'sqlite::memory:');
    const created = await memory.create(token());
    assert.equal((await memory.authenticate(created.secret, later(1)))?.id, created.id);
    await memory.close();
    const prefixed = openTokenStore('sqlite::memory:');
    assert.ok(prefixed instanceof SqliteTokenStore);
    await prefixed.close();
    // Opening a PostgreSQL store does not connect: this one is never used.
    for (const url of ['postgres://app:secret@db.invalid:5433/registry?schema=tokens', 'postgresql://app@db.invalid/registry']) {
      const remote = openTokenStore(url);
      assert.ok(remote instanceof PostgresTokenStore);
      assert.ok(!remote.description.includes('secret'));
      await remote.close();
    }
    const named = openTokenStore('postgres://app@db.invalid/registry?schema=tokens') as PostgresTokenStore;
    assert.equal(named.schema, 'tokens');
    await named.close();
    assert.throws(() => openTokenStore('mysql://app@db/registry'), code('INVALID_ARGUMENT'));
  });

  it('reports an unreachable PostgreSQL by host, never by password', async () => {
    const store = PostgresTokenStore.open('postgres://app:hunter2@127.0.0.1:1/registry');
    await assert.rejects(store.list(), (error: unknown) => {
      const { code: errorCode, message } = error as { code: string; message: string };
      return errorCode === 'STORE_UNAVAILABLE' && message.includes('127.0.0.1:1') && !message.includes('hunter2');
    });
    await store.close();
  });
});
