import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MappingProof, parsePublicKeys, verifyMappingProof } from '../../src/model/proof/index.js';
import type { Resolution } from '../../src/model/types.js';
import { ORDER, SKU, legacy, typeId } from '../registry/fixtures.js';
import { type CheckpointedKey, checkpointWithNewKey, testSigner } from '../registry/proof-fixtures.js';
import { type AuthTestApp, type TestApp, body, identifierUrl, openAuthTestApp, openTestApp } from './fixtures.js';

const proofUrl = (value: string, query = '', namespace = ORDER): string => `${identifierUrl(value, namespace)}/proof${query}`;

describe('http proofs', () => {
  let t: TestApp;
  let key: CheckpointedKey;
  before(async () => {
    t = await openTestApp();
    key = await checkpointWithNewKey(t.registry, [ORDER]);
  });
  after(async () => t.close());

  it('answers the resolution with its proof, verifiable offline with nothing but the published public key', async () => {
    const response = await t.app.inject(proofUrl(legacy(1)));
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    const proof = body<MappingProof>(response);
    assert.equal(proof.format, 'stableid-mapping-proof/v1');
    const verdict = verifyMappingProof(proof, parsePublicKeys(key.publicKeys));
    assert.deepEqual(verdict.problems, []);
    assert.equal(verdict.checkpoint?.namespace, ORDER);
    assert.equal(verdict.signatures[0]?.keyId, key.signer.keyId);
    // The resolution proven is the one the resolve route answers, and the document the one the CLI writes.
    assert.deepEqual(proof.resolution, body(await t.app.inject(identifierUrl(legacy(1)))));
    assert.deepEqual(proof, JSON.parse(JSON.stringify(await t.registry.resolveWithProof(ORDER, { value: legacy(1) }))));
    assert.equal(verifyMappingProof(proof, [testSigner()]).ok, false, 'another key');
    const forged = { ...proof, resolution: { ...proof.resolution, entity: 'ent_forged' } };
    assert.equal(verifyMappingProof(forged, parsePublicKeys(key.publicKeys)).ok, false, 'a forged entity');
  });

  it('proves with a scheme and as of an instant, and carries the deprecation headers of the resolve route', async () => {
    const alias = body<MappingProof>(await t.app.inject(proofUrl(typeId(1), '?scheme=v2')));
    assert.equal(alias.resolution.identifier.value, typeId(1));
    assert.equal(verifyMappingProof(alias, parsePublicKeys(key.publicKeys)).ok, true);
    const createdAt = alias.resolution.identifiers[0]?.createdAt as string;
    const past = body<MappingProof>(await t.app.inject(proofUrl(legacy(1), `?asOf=${encodeURIComponent(createdAt)}`)));
    assert.equal(past.resolution.asOf, createdAt);
    assert.equal(past.resolution.identifiers.length, 1, 'the alias did not exist yet');
    assert.equal(verifyMappingProof(past, parsePublicKeys(key.publicKeys)).ok, true);
    const deprecated = await t.app.inject(proofUrl(legacy(2)));
    assert.equal(deprecated.statusCode, 200);
    assert.equal(body<MappingProof>(deprecated).resolution.identifier.state, 'deprecated');
    assert.ok(deprecated.headers['deprecation'], 'Deprecation header');
    assert.ok(deprecated.headers['sunset'], 'Sunset header');
  });

  it('keeps the plain resolve answer as it was: no proof unless asked for on the proof route', async () => {
    const response = await t.app.inject(identifierUrl(legacy(1)));
    assert.equal(response.statusCode, 200);
    const resolution = body<Resolution & { proof?: unknown }>(response);
    assert.equal(resolution.proof, undefined);
    assert.deepEqual(Object.keys(resolution).sort(), ['asOf', 'binding', 'entity', 'identifier', 'identifiers', 'namespace']);
    const flagged = await t.app.inject(`${identifierUrl(legacy(1))}?proof=true`);
    assert.equal(flagged.statusCode, 400);
    assert.equal(body(flagged)['code'], 'INVALID_ARGUMENT');
  });

  it('gives proofs an ETag and Cache-Control like other reads, and answers 304 to a matching If-None-Match', async () => {
    const first = await t.app.inject(proofUrl(legacy(3)));
    const etag = first.headers['etag'];
    assert.equal(typeof etag, 'string');
    assert.match(String(first.headers['cache-control']), /^max-age=\d+$/);
    const again = await t.app.inject(proofUrl(legacy(3)));
    assert.equal(again.headers['etag'], etag, 'the same question answers the same document');
    const revalidated = await t.app.inject({ url: proofUrl(legacy(3)), headers: { 'if-none-match': String(etag) } });
    assert.equal(revalidated.statusCode, 304);
    assert.equal(revalidated.body, '');
  });

  it('answers CHECKPOINT_NOT_FOUND (404) when no checkpoint covers the events, and the resolve errors otherwise', async () => {
    const never = await t.app.inject(proofUrl('7', '?scheme=legacy', SKU));
    assert.equal(never.statusCode, 404);
    assert.match(String(never.headers['content-type']), /^application\/problem\+json/);
    assert.equal(body(never)['code'], 'CHECKPOINT_NOT_FOUND');
    assert.equal(body(never)['namespace'], SKU);
    await t.registry.register({ namespace: ORDER, scheme: 'v1', value: legacy(9) });
    const later = await t.app.inject(proofUrl(legacy(9)));
    assert.equal(later.statusCode, 404);
    assert.equal(body(later)['code'], 'CHECKPOINT_NOT_FOUND');
    assert.equal(body(later)['size'], (await t.registry.checkpoints(ORDER))[0]?.record.size);
    assert.equal((await t.app.inject(proofUrl(legacy(1)))).statusCode, 200, 'events the checkpoint covers are still proven');
    assert.equal(body(await t.app.inject(proofUrl(legacy(42))))['code'], 'IDENTIFIER_NOT_FOUND');
    assert.equal(body(await t.app.inject(proofUrl(legacy(1), '', 'nope')))['code'], 'NAMESPACE_NOT_FOUND');
    assert.equal(body(await t.app.inject(proofUrl('7', '', SKU)))['code'], 'AMBIGUOUS_IDENTIFIER');
    assert.equal(body(await t.app.inject(proofUrl(legacy(1), '?asOf=yesterday')))['code'], 'INVALID_ARGUMENT');
  });
});

describe('http proofs with tokens', () => {
  let t: AuthTestApp;
  before(async () => {
    t = await openAuthTestApp();
    await checkpointWithNewKey(t.registry, [ORDER]);
  });
  after(async () => t.close());

  it('needs the read role on the namespace, as resolving does', async () => {
    assert.equal((await t.app.inject(proofUrl(legacy(1)))).statusCode, 401);
    assert.equal((await t.app.inject({ url: proofUrl(legacy(1)), headers: { authorization: t.bearer.read } })).statusCode, 200);
    assert.equal((await t.app.inject({ url: proofUrl(legacy(1)), headers: { authorization: t.bearer['sku-write'] } })).statusCode, 403);
  });
});
