/** dynalite ships no types: what the tests use of it. */
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** How long tables stay CREATING (default 500 ms). */
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    /** A LevelDB directory; in memory when absent. */
    path?: string;
  }

  /** An HTTP server speaking the DynamoDB API, in memory by default. */
  export default function dynalite(options?: DynaliteOptions): Server;
}
