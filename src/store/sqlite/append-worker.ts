import { parentPort, workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { AppendReply, AppendRequest } from './append-protocol.js';
import { serializeError } from './append-protocol.js';
import { openConnection } from './connection.js';
import { appendSet } from './sqlite-append.js';
import { type Statement, guard } from './sqlite-guard.js';

/*
 * The append worker: a second connection to the store's file that carries out
 * a long write transaction's appends on the other core, while the main thread
 * decides the next chunk. It answers every request in order; once an append
 * has failed, it skips the rest and the commit answers with that failure.
 */

const port = parentPort;
if (!port) throw new Error('append-worker runs only as a worker thread');
const db: Database.Database = openConnection((workerData as { path: string }).path);
const statements = new Map<string, Statement>();
const prepare = (sql: string): Statement => {
  let statement = statements.get(sql);
  if (!statement) {
    statement = guard(() => db.prepare(sql));
    statements.set(sql, statement);
  }
  return statement;
};
let failure: unknown = null;
let erased = false;

function handle(request: AppendRequest): void {
  switch (request.type) {
    case 'begin':
      failure = null;
      erased = false;
      guard(() => db.exec('BEGIN IMMEDIATE'));
      return;
    case 'append':
      if (failure !== null) return;
      try {
        appendSet(prepare, request.set);
        if (request.set.erasures.length > 0) erased = true;
      } catch (error) {
        failure = error;
      }
      return;
    case 'commit':
      if (failure !== null) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw failure;
      }
      guard(() => db.exec('COMMIT'));
      // An erased value must not linger in the write-ahead log either.
      if (erased) guard(() => db.pragma('wal_checkpoint(TRUNCATE)'));
      return;
    case 'rollback':
      if (db.inTransaction) db.exec('ROLLBACK');
      return;
  }
}

port.on('message', (request: AppendRequest) => {
  let reply: AppendReply;
  try {
    handle(request);
    reply = { id: request.id, ok: true };
  } catch (error) {
    reply = { id: request.id, ok: false, error: serializeError(error) };
  }
  port.postMessage(reply);
});
