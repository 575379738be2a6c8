/** dynalite ships no types; only what src/local/servers.ts uses is declared. */
declare module 'dynalite' {
  import type { Server } from 'node:http';

  export interface DynaliteOptions {
    /** Milliseconds a table stays CREATING (AWS-like delay). */
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
  }

  /** An http.Server whose request handler serves an in-memory DynamoDB. */
  export default function dynalite(options?: DynaliteOptions): Server;
}
