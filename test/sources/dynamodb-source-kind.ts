import { CreateTableCommand, DynamoDBClient, PutItemCommand, type KeySchemaElement, type AttributeDefinition } from '@aws-sdk/client-dynamodb';
import { DynamoSource, type DynamoSourceOptions } from '../../src/migrate/source/dynamodb/dynamodb-source.js';
import { toItem } from '../../src/migrate/source/dynamodb/item-codec.js';
import { dynamoSourceSuite } from './dynamodb-source.suite.js';
import { type DynamoDbLocal, localCredentials, startDynamoDbLocal } from './dynamodb-local.js';
import type { SourceKind } from './source-kinds.js';

/** Names the DynamoDB source refuses: not a table name DynamoDB allows. */
const INVALID_NAMES = ['', 'ab', 'a b', 'orders!', 'x'.repeat(256), 'sch/orders', 'ord"ers'];

/** A raw client of the local endpoint, as the application would use. */
export const rawDynamo = (local: DynamoDbLocal): DynamoDBClient => new DynamoDBClient({ endpoint: local.endpoint, region: 'local', credentials: localCredentials() });

/** A source on the local endpoint. */
export const localSource = (local: DynamoDbLocal, query: Record<string, string> = {}, options: DynamoSourceOptions = {}): DynamoSource =>
  DynamoSource.open(local.url(query), { ...options, config: { credentials: localCredentials(), ...options.config } });

/** Creates a table (keyed by the string `pk` unless told otherwise) if it is missing. */
export async function createTable(
  client: DynamoDBClient,
  table: string,
  key: { schema: KeySchemaElement[]; definitions: AttributeDefinition[] } = { schema: [{ AttributeName: 'pk', KeyType: 'HASH' }], definitions: [{ AttributeName: 'pk', AttributeType: 'S' }] },
): Promise<void> {
  try {
    await client.send(new CreateTableCommand({ TableName: table, KeySchema: key.schema, AttributeDefinitions: key.definitions, BillingMode: 'PAY_PER_REQUEST' }));
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw error;
  }
}

/**
 * DynamoDB: every test source gets an endpoint of its own (dynalite behind
 * the transaction proxy, in memory), stopped when it closes; collections are
 * tables keyed by a string `pk`; the application writes whole items with a
 * raw client.
 */
export const dynamoKind: SourceKind = {
  name: 'dynamodb',
  skip: false,
  ownSuite: dynamoSourceSuite,
  invalidCollectionNames: INVALID_NAMES,
  versionsFromContent: true,
  refusesEmptyKey: true,
  holdsNumber: (value) => value === 0 || (Math.abs(value) >= 1e-130 && Math.abs(value) < 1e126),
  async open() {
    const local = await startDynamoDbLocal();
    const raw = rawDynamo(local);
    const source = localSource(local);
    return {
      source,
      async collection(name) {
        await createTable(raw, name);
        return source.collection(name);
      },
      async writeBehind(collection, key, body) {
        await raw.send(new PutItemCommand({ TableName: collection, Item: { ...toItem(body), pk: { S: key } } }));
      },
      async close() {
        await source.close();
        raw.destroy();
        await local.stop();
      },
    };
  },
};
