import assert from 'node:assert/strict';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { StableIdClient } from '../../src/client/index.js';
import { isStableIdError } from '../../src/model/errors.js';
import { type MappingProof, formatPublicKeys, parsePublicKeys, verifyMappingProof } from '../../src/model/proof/index.js';
import { ORDER, SKU, legacy, typeId } from '../registry/fixtures.js';
import { type CheckpointedKey, checkpointWithNewKey, testSigner } from '../registry/proof-fixtures.js';
import { type LiveService, openLiveService } from './fixtures.js';

/** What the proxy does to an exchange: the URL it forwards, and the body it answers with. */
interface Tamper {
  url?(url: string): string;
  /** Null answers as an older service would: no such route. */
  body?(body: Record<string, unknown>, url: string): Record<string, unknown> | null;
}

/** A proxy in front of the service that forwards every request and lets the test alter what passes through. */
interface TamperingProxy {
  readonly url: string;
  tamper: Tamper;
  close(): Promise<void>;
}

async function openProxy(target: string): Promise<TamperingProxy> {
  const proxy = { tamper: {} as Tamper };
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = proxy.tamper.url?.(request.url ?? '/') ?? request.url ?? '/';
    void (async () => {
      const upstream = await fetch(`${target}${url}`, { headers: { accept: String(request.headers.accept ?? '*/*') } });
      const original = JSON.parse(await upstream.text()) as Record<string, unknown>;
      const altered = upstream.status === 200 && proxy.tamper.body ? proxy.tamper.body(original, url) : original;
      if (altered === null) {
        response.writeHead(404, { 'content-type': 'application/problem+json' });
        response.end(JSON.stringify({ type: '/v1/problems/INVALID_ARGUMENT', title: 'no route', status: 404, detail: `no route GET ${url}`, code: 'INVALID_ARGUMENT', rule: 'http.route' }));
        return;
      }
      response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      response.end(JSON.stringify(altered));
    })().catch(() => {
      response.writeHead(502);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

const proofOf = (body: Record<string, unknown>): MappingProof => body as unknown as MappingProof;

describe('client: verified resolutions against a live service', () => {
  let service: LiveService;
  let key: CheckpointedKey;
  let client: StableIdClient;
  before(async () => {
    service = await openLiveService();
    key = await checkpointWithNewKey(service.registry, [ORDER, SKU]);
    client = new StableIdClient({ endpoints: service.url, retries: 0, proofs: { publicKeys: key.publicKeys } });
  });
  beforeEach(() => {
    service.received.length = 0;
  });
  after(async () => {
    await client.close();
    await service.close();
  });

  it('answers a resolution verified against the pinned key, with its checkpoint and proof, from the service every time', async () => {
    const answer = await client.resolveVerified(ORDER, legacy(1));
    assert.equal(answer.verified, true);
    assert.equal(answer.source, 'canonical');
    assert.equal(answer.value.entity, 'ent_000001');
    assert.deepEqual(answer.value.identifiers.map((i) => i.value), [legacy(1), typeId(1)]);
    assert.equal(answer.checkpoint?.size, (await service.registry.checkpoints(ORDER))[0]?.record.size);
    assert.equal(verifyMappingProof(answer.proof, parsePublicKeys(key.publicKeys)).ok, true, 'the proof kept verifies again offline');
    const plain = await client.resolve(ORDER, legacy(1));
    assert.equal(plain.source, 'canonical', 'the verified answer was not put in the cache');
    assert.deepEqual(plain.value, answer.value);
    assert.equal((await client.resolveVerified(ORDER, legacy(1))).verified, true);
    assert.deepEqual(service.received.map((r) => `${r.method} ${r.url}`), [
      `GET /v1/namespaces/${ORDER}/identifiers/${legacy(1)}/proof`,
      `GET /v1/namespaces/${ORDER}/identifiers/${legacy(1)}`,
      `GET /v1/namespaces/${ORDER}/identifiers/${legacy(1)}/proof`,
    ]);
    assert.ok(client.stats.counts().canonical >= 3);
  });

  it('verifies with a scheme, as of an instant, and for a value asked in another spelling than its canonical one', async () => {
    const alias = await client.resolveVerified(ORDER, typeId(1), { scheme: 'v2' });
    assert.equal(alias.value.identifier.value, typeId(1));
    const createdAt = alias.value.identifiers[0]?.createdAt as string;
    const past = await client.resolveVerified(ORDER, legacy(1), { asOf: createdAt });
    assert.equal(past.verified, true);
    assert.equal(past.value.asOf, createdAt);
    assert.equal(past.value.identifiers.length, 1, 'the alias did not exist yet');
    const padded = await client.resolveVerified(SKU, '007', { scheme: 'legacy' });
    assert.equal(padded.value.identifier.value, '7');
    assert.equal(service.received.at(-1)?.url, `/v1/namespaces/${SKU}/identifiers/007/proof?scheme=legacy`);
  });

  it('takes the pinned keys as a key file or as a list, and refuses a bad one when the client is made', async () => {
    const [pinned] = parsePublicKeys(key.publicKeys);
    assert.ok(pinned);
    const listed = new StableIdClient({ endpoints: service.url, retries: 0, proofs: { publicKeys: [{ name: pinned.name, keyId: pinned.keyId, publicKey: pinned.publicKey }] } });
    try {
      assert.equal((await listed.resolveVerified(ORDER, legacy(3))).verified, true);
    } finally {
      await listed.close();
    }
    assert.throws(() => new StableIdClient({ endpoints: service.url, proofs: { publicKeys: 'not a key' } }), (error) => isStableIdError(error, 'CHECKPOINT_FORMAT') && error.context['field'] === 'proofs.publicKeys');
    assert.throws(() => new StableIdClient({ endpoints: service.url, proofs: { publicKeys: [] } }), (error) => isStableIdError(error, 'INVALID_ARGUMENT'));
    const misnamed = { name: 'someone-else', keyId: pinned.keyId, publicKey: pinned.publicKey };
    assert.throws(() => new StableIdClient({ endpoints: service.url, proofs: { publicKeys: [misnamed] } }), (error) => isStableIdError(error, 'INVALID_ARGUMENT'));
    const unpinned = new StableIdClient({ endpoints: service.url, retries: 0 });
    try {
      await assert.rejects(unpinned.resolveVerified(ORDER, legacy(1)), (error) => isStableIdError(error, 'INVALID_ARGUMENT') && error.context['field'] === 'proofs');
    } finally {
      await unpinned.close();
    }
  });

  it('refuses a proof signed by no pinned key with SIGNATURE_INVALID', async () => {
    const other = new StableIdClient({ endpoints: service.url, retries: 0, proofs: { publicKeys: formatPublicKeys([testSigner()]) } });
    try {
      await assert.rejects(other.resolveVerified(ORDER, legacy(1)), (error) => {
        assert.ok(isStableIdError(error, 'SIGNATURE_INVALID'));
        assert.equal(error.context['namespace'], ORDER);
        assert.equal(error.context['value'], legacy(1));
        return true;
      });
    } finally {
      await other.close();
    }
  });

  it('passes the service problems on, and without a checkpoint covering the answer fails unless proofs are not required', async () => {
    await assert.rejects(client.resolveVerified(ORDER, legacy(42)), (error) => isStableIdError(error, 'IDENTIFIER_NOT_FOUND') && error.context['source'] === 'canonical');
    await assert.rejects(client.resolveVerified(ORDER, legacy(1), { asOf: 'yesterday' }), (error) => isStableIdError(error, 'INVALID_ARGUMENT'));
    await service.registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(9) });
    await assert.rejects(client.resolveVerified(ORDER, legacy(9)), (error) => isStableIdError(error, 'CHECKPOINT_NOT_FOUND'));
    const lenient = new StableIdClient({ endpoints: service.url, retries: 0, proofs: { publicKeys: key.publicKeys, require: false } });
    try {
      const unproven = await lenient.resolveVerified(ORDER, legacy(9));
      assert.equal(unproven.verified, false);
      assert.equal(unproven.checkpoint, null);
      assert.equal(unproven.proof, null);
      assert.equal(unproven.value.identifier.value, legacy(9));
      assert.equal((await lenient.resolveVerified(ORDER, legacy(1))).verified, true, 'a proof, where there is one, is still checked');
      await assert.rejects(lenient.resolveVerified(ORDER, legacy(42)), (error) => isStableIdError(error, 'IDENTIFIER_NOT_FOUND'));
    } finally {
      await lenient.close();
    }
  });
});

describe('client: verified resolutions through a tampering proxy', () => {
  let service: LiveService;
  let key: CheckpointedKey;
  let proxy: TamperingProxy;
  let client: StableIdClient;
  before(async () => {
    service = await openLiveService();
    key = await checkpointWithNewKey(service.registry, [ORDER]);
    proxy = await openProxy(service.url);
    client = new StableIdClient({ endpoints: proxy.url, retries: 0, proofs: { publicKeys: key.publicKeys } });
  });
  beforeEach(() => {
    proxy.tamper = {};
  });
  after(async () => {
    await client.close();
    await proxy.close();
    await service.close();
  });

  const refused = async (code: 'PROOF_FAILED' | 'SIGNATURE_INVALID', options: { scheme?: string; asOf?: string } = {}): Promise<void> => {
    await assert.rejects(client.resolveVerified(ORDER, legacy(1), options), (error) => {
      assert.ok(isStableIdError(error, code), `${code}, got ${String(error)}`);
      return true;
    });
    // Nothing of the refused answer stays behind: the same question, untampered, verifies.
    proxy.tamper = {};
    assert.equal((await client.resolveVerified(ORDER, legacy(1), options)).verified, true);
  };

  it('verifies what passes through unaltered', async () => {
    const answer = await client.resolveVerified(ORDER, legacy(1));
    assert.equal(answer.verified, true);
    assert.equal(answer.value.entity, 'ent_000001');
  });

  it("refuses an answer whose resolution names another entity (PROOF_FAILED)", async () => {
    proxy.tamper = { body: (body) => ({ ...body, resolution: { ...proofOf(body).resolution, entity: 'ent_000002' } }) };
    await refused('PROOF_FAILED');
  });

  it('refuses a proof with a hash of an inclusion path altered (PROOF_FAILED)', async () => {
    proxy.tamper = {
      body: (body) => {
        const proof = proofOf(body);
        const [first, ...rest] = proof.events;
        assert.ok(first && first.path.length > 0);
        return { ...body, events: [{ ...first, path: ['0'.repeat(64), ...first.path.slice(1)] }, ...rest] };
      },
    };
    await refused('PROOF_FAILED');
  });

  it("refuses a proof of another identifier's entity, valid in itself, given for the one asked (PROOF_FAILED)", async () => {
    proxy.tamper = { url: (url) => url.replace(legacy(1), legacy(3)) };
    await refused('PROOF_FAILED');
  });

  it('refuses the current answer given for an as-of question (PROOF_FAILED)', async () => {
    const createdAt = (await client.resolveVerified(ORDER, legacy(1))).value.identifiers[0]?.createdAt as string;
    proxy.tamper = { url: (url) => url.replace(/[?&]asOf=[^&]*/, '') };
    await refused('PROOF_FAILED', { asOf: createdAt });
  });

  it('refuses a checkpoint whose root was altered to fit a forged tree (SIGNATURE_INVALID)', async () => {
    proxy.tamper = { body: (body) => ({ ...body, checkpoint: proofOf(body).checkpoint.replace(/^root [0-9a-f]{64}$/m, `root ${'1'.repeat(64)}`) }) };
    await refused('SIGNATURE_INVALID');
  });

  it('answers unverified from a service that serves no proofs only when proofs are not required', async () => {
    proxy.tamper = { body: (body, url) => (url.includes('/proof') ? null : body) };
    await assert.rejects(client.resolveVerified(ORDER, legacy(1)), (error) => isStableIdError(error, 'INVALID_ARGUMENT') && error.context['rule'] === 'http.route');
    const lenient = new StableIdClient({ endpoints: proxy.url, retries: 0, proofs: { publicKeys: key.publicKeys, require: false } });
    try {
      const answer = await lenient.resolveVerified(ORDER, legacy(1));
      assert.equal(answer.verified, false);
      assert.equal(answer.value.entity, 'ent_000001');
      proxy.tamper = { body: (body) => ({ ...body, resolution: { ...proofOf(body).resolution, entity: 'ent_000002' } }) };
      await assert.rejects(lenient.resolveVerified(ORDER, legacy(1)), (error) => isStableIdError(error, 'PROOF_FAILED'));
    } finally {
      await lenient.close();
    }
  });
});
