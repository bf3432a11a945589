import { type IncomingHttpHeaders, Agent, type Server, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { canonicalNumber } from '../../src/migrate/source/dynamodb/item-codec.js';

/**
 * A DynamoDB endpoint for the tests: dynalite (an in-memory implementation
 * of the DynamoDB API), behind a small proxy that adds what dynalite lacks
 * and the sources need — TransactWriteItems (architect/dynalite#151).
 *
 * The proxy runs every write (PutItem, UpdateItem, DeleteItem,
 * BatchWriteItem, and each transaction whole) one at a time, so a
 * transaction is atomic against every other writer: it reads the items it
 * names, evaluates each condition, and either cancels with
 * DynamoDB's TransactionCanceledException and its cancellation reasons, or
 * writes every action. Reads go straight through, and may see a
 * transaction half written, as DynamoDB's Scan may.
 *
 * Conditions are evaluated here (dynalite compares maps and lists by
 * reference, never equal), in the forms the DynamoDB source writes:
 * `attribute_exists(#a)`, `attribute_not_exists(#a)`, `#a = :v` and
 * `#a <= :v`, joined all by AND or all by OR, with DynamoDB's semantics
 * (types must match; numbers by value; sets unordered; lists and maps
 * deeply). Anything else is refused with a ValidationException, so a
 * source that starts writing other conditions finds out here.
 */
export interface DynamoDbLocal {
  /** The endpoint, e.g. http://127.0.0.1:41234. */
  readonly endpoint: string;
  /** The source URL for it, with `options` (prefix, …) as query. */
  url(options?: Readonly<Record<string, string>>): string;
  stop(): Promise<void>;
}

/** Credentials the local endpoint takes (it checks none): a fresh object each time, as the SDK marks the one it is given. */
export const localCredentials = (): { accessKeyId: string; secretAccessKey: string } => ({ accessKeyId: 'local', secretAccessKey: 'local' });
/** The same as environment variables, for child processes, with the SDK's Node-version notice turned off (its documented switch). */
export const LOCAL_AWS_ENV = Object.freeze({
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

type Value = Record<string, unknown>;
type Item = Record<string, Value>;
type Json = Record<string, unknown>;

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

// The SDK's notice that it will need Node 22 from 2027 says nothing about these tests: its documented switch turns it off.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const API = 'DynamoDB_20120810';

export async function startDynamoDbLocal(): Promise<DynamoDbLocal> {
  const engine = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await listen(engine);
  const enginePort = (engine.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true });
  let queue = Promise.resolve();
  /** Runs writes one at a time. */
  const serially = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn);
    queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };
  const forward = (headers: IncomingHttpHeaders, body: string): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const outgoing = request({ host: '127.0.0.1', port: enginePort, method: 'POST', path: '/', headers: { ...headers, host: `127.0.0.1:${enginePort}`, 'content-length': Buffer.byteLength(body) }, agent }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 500, headers: response.headers, body: text }));
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  const call = async (target: string, payload: Json): Promise<Json> => {
    const reply = await forward(
      {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `${API}.${target}`,
        'x-amz-date': '20200101T000000Z',
        authorization: 'AWS4-HMAC-SHA256 Credential=local/20200101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      JSON.stringify(payload),
    );
    const answer = JSON.parse(reply.body || '{}') as Json;
    if (reply.status !== 200) throw new Failure(reply.status, answer);
    return answer;
  };
  const transactions = new Transactions(call);

  const proxy = createServer((incoming, outgoing) => {
    let body = '';
    incoming.setEncoding('utf8');
    incoming.on('data', (chunk: string) => (body += chunk));
    incoming.on('end', () => {
      const target = String(incoming.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const send = (reply: Reply): void => {
        outgoing.writeHead(reply.status, { 'content-type': 'application/x-amz-json-1.0', ...(reply.headers['x-amzn-requestid'] ? { 'x-amzn-requestid': reply.headers['x-amzn-requestid'] } : {}) });
        outgoing.end(reply.body);
      };
      if (target === 'CreateTable' || target === 'DeleteTable') transactions.forgetTables();
      const answer =
        target === 'TransactWriteItems'
          ? serially(() => transactions.run(JSON.parse(body) as Json))
          : WRITES.has(target)
            ? serially(() => forward(incoming.headers, body))
            : forward(incoming.headers, body);
      answer.then(send, (error: unknown) => send(error instanceof Failure ? error.reply : { status: 500, headers: {}, body: JSON.stringify({ __type: 'InternalServerError', message: String(error) }) }));
    });
  });
  await listen(proxy);
  const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  return {
    endpoint,
    url: (options = {}) => {
      const query = new URLSearchParams({ region: 'local', ...options }).toString();
      return `dynamodb://${endpoint.slice('http://'.length)}?${query}`;
    },
    async stop() {
      await close(proxy);
      agent.destroy();
      await close(engine);
    },
  };
}

/** An error answer of the API: its status and body as DynamoDB gives them. */
class Failure extends Error {
  readonly reply: Reply;
  constructor(status: number, body: Json) {
    super(String(body['message'] ?? body['__type']));
    this.reply = { status, headers: {}, body: JSON.stringify(body) };
  }
}

const validation = (message: string): Failure => new Failure(400, { __type: 'com.amazon.coral.validate#ValidationException', message });

interface Action {
  readonly kind: 'Put' | 'Delete' | 'Update' | 'ConditionCheck';
  readonly spec: Json;
  readonly table: string;
  readonly key: Item;
}

/** TransactWriteItems on top of dynalite's single-item calls; the caller runs it while no other write runs. */
class Transactions {
  readonly #call: (target: string, payload: Json) => Promise<Json>;
  readonly #keys = new Map<string, string[]>();

  constructor(call: (target: string, payload: Json) => Promise<Json>) {
    this.#call = call;
  }

  /** Forgets what it knows of tables: one may be deleted and made again, keyed otherwise. */
  forgetTables(): void {
    this.#keys.clear();
  }

  async run(request: Json): Promise<Reply> {
    const items = request['TransactItems'];
    if (!Array.isArray(items) || items.length === 0 || items.length > 100) throw validation('TransactItems must hold 1 to 100 actions');
    const actions: Action[] = [];
    for (const entry of items as Json[]) {
      const kinds = Object.keys(entry) as Action['kind'][];
      const kind = kinds[0];
      if (kinds.length !== 1 || !kind || !['Put', 'Delete', 'Update', 'ConditionCheck'].includes(kind)) throw validation('each transaction action must be one of Put, Delete, Update, ConditionCheck');
      const spec = entry[kind] as Json;
      const table = String(spec['TableName']);
      const key = kind === 'Put' ? await this.#keyOf(table, spec['Item'] as Item) : (spec['Key'] as Item);
      actions.push({ kind, spec, table, key });
    }
    const ids = actions.map((action) => `${action.table}\u0000${stable(action.key)}`);
    if (new Set(ids).size !== ids.length) throw validation('Transaction request cannot include multiple operations on one item');

    const current = await this.#items(actions);
    const reasons = actions.map((action, index) => {
      const item = current[index] ?? null;
      const condition = action.spec['ConditionExpression'];
      if (condition === undefined || holds(String(condition), item ?? {}, (action.spec['ExpressionAttributeNames'] ?? {}) as Record<string, string>, (action.spec['ExpressionAttributeValues'] ?? {}) as Item)) return { Code: 'None' };
      return { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', ...(item && action.spec['ReturnValuesOnConditionCheckFailure'] === 'ALL_OLD' ? { Item: item } : {}) };
    });
    if (reasons.some((reason) => reason.Code !== 'None')) {
      throw new Failure(400, {
        __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
        message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((reason) => reason.Code).join(', ')}]`,
        CancellationReasons: reasons,
      });
    }
    // Puts and deletes 25 to a call, as BatchWriteItem takes them; nothing else writes meanwhile.
    const requests = actions.flatMap((action): { table: string; request: Json }[] =>
      action.kind === 'Put' ? [{ table: action.table, request: { PutRequest: { Item: action.spec['Item'] } } }] : action.kind === 'Delete' ? [{ table: action.table, request: { DeleteRequest: { Key: action.key } } }] : [],
    );
    for (let start = 0; start < requests.length; start += 25) {
      const chunk = requests.slice(start, start + 25);
      const byTable: Record<string, unknown[]> = {};
      for (const { table, request } of chunk) (byTable[table] ??= []).push(request);
      const answer = await this.#call('BatchWriteItem', { RequestItems: byTable });
      if (Object.keys((answer['UnprocessedItems'] ?? {}) as object).length > 0) throw new Error('dynalite left writes of a transaction unprocessed');
    }
    for (const action of actions) {
      if (action.kind !== 'Update') continue;
      const expression = String(action.spec['UpdateExpression']);
      await this.#call('UpdateItem', { TableName: action.table, Key: action.key, UpdateExpression: expression, ...used(expression, action.spec) });
    }
    return { status: 200, headers: {}, body: '{}' };
  }

  /** The items the actions name, as they are (null where there is none), read 100 keys to a call. */
  async #items(actions: readonly Action[]): Promise<(Item | null)[]> {
    const found = new Map<string, Item>();
    for (let start = 0; start < actions.length; start += 100) {
      const byTable: Record<string, { Keys: Item[]; ConsistentRead: boolean }> = {};
      for (const action of actions.slice(start, start + 100)) (byTable[action.table] ??= { Keys: [], ConsistentRead: true }).Keys.push(action.key);
      const answer = await this.#call('BatchGetItem', { RequestItems: byTable });
      for (const [table, items] of Object.entries((answer['Responses'] ?? {}) as Record<string, Item[]>)) {
        const names = this.#keys.get(table) ?? (await this.#keyNames(table));
        for (const item of items) found.set(`${table}\u0000${stable(Object.fromEntries(names.map((name) => [name, item[name]])))}`, item);
      }
    }
    return actions.map((action) => found.get(`${action.table}\u0000${stable(action.key)}`) ?? null);
  }

  async #keyOf(table: string, item: Item): Promise<Item> {
    const names = this.#keys.get(table) ?? (await this.#keyNames(table));
    return Object.fromEntries(names.map((name) => [name, item[name] as Value]));
  }

  /** The key attributes of a table, kept until a table is created or deleted. */
  async #keyNames(table: string): Promise<string[]> {
    const described = (await this.#call('DescribeTable', { TableName: table }))['Table'] as { KeySchema: { AttributeName: string }[] };
    const names = described.KeySchema.map((element) => element.AttributeName);
    this.#keys.set(table, names);
    return names;
  }
}

/** The expression attribute names and values `expression` uses, as dynalite refuses unused ones. */
function used(expression: string, spec: Json): Json {
  const pick = (entries: unknown, prefix: string): Record<string, unknown> | undefined => {
    const chosen = Object.entries((entries ?? {}) as Record<string, unknown>).filter(([name]) => new RegExp(`${prefix === '#' ? '#' : ':'}${name.slice(1)}(?![\\w])`).test(expression));
    return chosen.length === 0 ? undefined : Object.fromEntries(chosen);
  };
  const names = pick(spec['ExpressionAttributeNames'], '#');
  const values = pick(spec['ExpressionAttributeValues'], ':');
  return { ...(names ? { ExpressionAttributeNames: names } : {}), ...(values ? { ExpressionAttributeValues: values } : {}) };
}

/** Whether a condition, in the forms this emulator knows, holds on an item (empty when there is none). */
function holds(condition: string, item: Item, names: Record<string, string>, values: Item): boolean {
  const ands = condition.split(' AND ');
  const ors = condition.split(' OR ');
  if (ands.length > 1 && ors.length > 1) throw validation(`this emulator does not mix AND and OR: ${condition}`);
  const terms = (ands.length > 1 ? ands : ors).map((term) => term.trim());
  const results = terms.map((term) => {
    const name = (placeholder: string): string => {
      const found = names[placeholder];
      if (found === undefined) throw validation(`An expression attribute name used in the document path is not defined; attribute name: ${placeholder}`);
      return found;
    };
    const value = (placeholder: string): Value => {
      const found = values[placeholder];
      if (found === undefined) throw validation(`An expression attribute value used in expression is not defined; attribute value: ${placeholder}`);
      return found;
    };
    let match = /^attribute_(not_)?exists\((#\w+)\)$/.exec(term);
    if (match) return (item[name(match[2] as string)] !== undefined) !== (match[1] !== undefined);
    match = /^(#\w+) (=|<=) (:\w+)$/.exec(term);
    if (match) {
      const stored = item[name(match[1] as string)];
      const given = value(match[3] as string);
      if (stored === undefined) return false;
      return match[2] === '=' ? equal(stored, given) : atMost(stored, given);
    }
    throw validation(`this emulator does not evaluate the condition "${term}"`);
  });
  return ands.length > 1 ? results.every(Boolean) : results.some(Boolean);
}

/** DynamoDB's equality of two attribute values: the same type, numbers by value, sets unordered, lists and maps deeply. */
function equal(a: Value, b: Value): boolean {
  const [type] = Object.keys(a);
  if (type === undefined || Object.keys(b)[0] !== type) return false;
  const x = a[type];
  const y = b[type];
  switch (type) {
    case 'N':
      return canonicalNumber(String(x)) === canonicalNumber(String(y));
    case 'SS':
    case 'BS':
      return sameSet(x as string[], y as string[], (member) => member);
    case 'NS':
      return sameSet(x as string[], y as string[], (member) => canonicalNumber(member) ?? member);
    case 'L':
      return (x as Value[]).length === (y as Value[]).length && (x as Value[]).every((member, index) => equal(member, (y as Value[])[index] as Value));
    case 'M': {
      const left = x as Item;
      const right = y as Item;
      return Object.keys(left).length === Object.keys(right).length && Object.keys(left).every((name) => right[name] !== undefined && equal(left[name] as Value, right[name] as Value));
    }
    default:
      return x === y;
  }
}

function sameSet(x: readonly string[], y: readonly string[], canonical: (member: string) => string): boolean {
  const left = new Set(x.map(canonical));
  return left.size === new Set(y.map(canonical)).size && y.every((member) => left.has(canonical(member)));
}

function atMost(a: Value, b: Value): boolean {
  const [type] = Object.keys(a);
  if (type === undefined || Object.keys(b)[0] !== type) return false;
  if (type === 'N') return Number(a[type]) <= Number(b[type]);
  if (type === 'S' || type === 'B') return String(a[type]) <= String(b[type]);
  throw validation(`<= does not compare values of type ${type}`);
}

/** JSON with keys sorted: one spelling per key. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((name) => `${JSON.stringify(name)}:${stable((value as Record<string, unknown>)[name])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
}

/** Closes a server, and the keep-alive connections clients left open, which would otherwise hold it open. */
function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
