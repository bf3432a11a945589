import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { openTokenStore } from '../../src/auth/index.js';
import { hashSecret } from '../../src/auth/token-secret.js';
import { scratch } from '../cli/run-cli.js';

interface TokenJson {
  id: string;
  actor: string;
  scopes: string[];
  createdBy: string;
  revokedAt: string | null;
  revokedBy: string | null;
  changed?: boolean;
}

describe('stableid token', () => {
  const { db, run, cleanup } = scratch();
  after(cleanup);

  const authenticate = async (secret: string) => {
    const tokens = openTokenStore(db);
    try {
      return await tokens.authenticate(secret, new Date());
    } finally {
      await tokens.close();
    }
  };

  it('create prints the secret alone on stdout, once, with a warning on stderr', async () => {
    const result = await run('token', 'create', 'billing-service', '--scope', 'order:read', '--scope', 'customer:read');
    assert.equal(result.code, 0, result.stderr);
    const secret = result.stdout.trim();
    assert.match(secret, /^sid_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    assert.match(result.stderr, /shown only now/);
    assert.match(result.stderr, /billing-service \(order:read, customer:read\)/);
    assert.deepEqual(await authenticate(secret), {
      id: secret.slice(4, 20),
      actor: 'billing-service',
      scopes: [
        { namespace: 'order', role: 'read' },
        { namespace: 'customer', role: 'read' },
      ],
    });
  });

  it('create --json answers id, actor, scopes and secret', async () => {
    const result = await run('--json', 'token', 'create', 'ops', '--scope', '*:admin');
    assert.equal(result.code, 0, result.stderr);
    const created = result.json<{ id: string; actor: string; scopes: string[]; secret: string }>();
    assert.deepEqual(Object.keys(created).sort(), ['actor', 'id', 'scopes', 'secret']);
    assert.deepEqual(created.scopes, ['*:admin']);
    assert.equal(result.stderr, '', 'nothing but the JSON document');
    assert.equal((await authenticate(created.secret))?.actor, 'ops');
  });

  it('records who created the token: the global --actor, else STABLEID_ACTOR', async () => {
    const byGlobal = await run('--json', '--actor', 'alice', 'token', 'create', 'svc-a', '--scope', 'order:write');
    const byEnv = await run('--json', 'token', 'create', 'svc-b', '--scope', 'order:write');
    const list = (await run('--json', 'token', 'list')).json<TokenJson[]>();
    const createdBy = (id: string) => list.find((t) => t.id === id)?.createdBy;
    assert.equal(createdBy(byGlobal.json<{ id: string }>().id), 'alice');
    assert.equal(createdBy(byEnv.json<{ id: string }>().id), 'test');
  });

  it('refuses a token without scopes or with a malformed one (exit 2), and one without an actor', async () => {
    const none = await run('token', 'create', 'svc');
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^stableid: INVALID_ARGUMENT: .*at least one scope/);
    const bad = await run('token', 'create', 'svc', '--scope', 'order:owner');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^stableid: INVALID_ARGUMENT: scope role must be one of read, write, steward, admin/);
    assert.equal((await run('token', 'create', '--scope', 'order:read')).code, 2);
    assert.ok(!(await run('--json', 'token', 'list')).json<TokenJson[]>().some((t) => t.actor === 'svc'), 'nothing was stored');
  });

  it('list shows every token without its secret or hash', async () => {
    const created = (await run('--json', 'token', 'create', 'lister', '--scope', 'order:read')).json<{ id: string; secret: string }>();
    const human = await run('token', 'list');
    const json = await run('--json', 'token', 'list');
    assert.equal(human.code, 0);
    assert.match(human.stdout, new RegExp(`^${created.id}  lister\\s+order:read\\s+active`, 'm'));
    const listed = json.json<TokenJson[]>();
    assert.ok(listed.some((t) => t.id === created.id));
    for (const output of [human.stdout, json.stdout]) {
      assert.ok(!output.includes(created.secret));
      assert.ok(!output.includes(hashSecret(created.secret)));
      assert.ok(!/"hash"|sid_/.test(output));
    }
  });

  it('revoke stops the secret at once; repeating it exits 0 and changes nothing; an unknown id exits 3', async () => {
    const created = (await run('--json', 'token', 'create', 'leaver', '--scope', 'order:read')).json<{ id: string; secret: string }>();
    const revoked = await run('--json', '--actor', 'alice', 'token', 'revoke', created.id);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(revoked.json<TokenJson>().changed, true);
    assert.equal(revoked.json<TokenJson>().revokedBy, 'alice');
    assert.equal(await authenticate(created.secret), null);
    const again = await run('token', 'revoke', created.id);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already revoked .*nothing changed/);
    const unknown = await run('token', 'revoke', 'ffffffffffffffff');
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /^stableid: TOKEN_NOT_FOUND: /);
    assert.match((await run('token', 'list')).stdout, new RegExp(`^${created.id}  leaver .* revoked `, 'm'));
  });

  it('keeps tokens beside the registry without disturbing it', async () => {
    assert.equal((await run('namespace', 'create', 'order', '--owner', 'team-orders')).code, 0);
    const verify = await run('verify');
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  });

  it('gives each token command --help with examples', async () => {
    for (const command of ['create', 'list', 'revoke']) {
      const help = await run('token', command, '--help');
      assert.equal(help.code, 0);
      assert.match(help.stdout, /Examples:\n {2}\$ stableid token /, command);
    }
  });
});
