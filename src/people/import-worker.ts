/**
 * Worker thread of a people import: parses and validates pieces of the CSV while the main
 * thread matches and writes the previous ones. Messages: `{ ctx }` once, then pieces
 * `{ seq, buf, startLine, now }`, each answered with a `PieceResult`.
 */
import { parentPort } from 'node:worker_threads';
import type { ColumnMap } from './csv-columns.ts';
import type { PieceResult, RowContext } from './import-packing.ts';
import { contextMap, readPiece } from './import-rows.ts';

let ctx: RowContext | undefined;
let map: ColumnMap | undefined;

parentPort!.on(
  'message',
  (msg: { ctx: RowContext } | { seq: number; buf: Uint8Array; startLine: number; now: string }) => {
    if ('ctx' in msg) {
      ctx = msg.ctx;
      map = contextMap(ctx);
      return;
    }
    let result: PieceResult;
    try {
      result = readPiece(ctx!, map!, msg.seq, msg.buf, msg.startLine, msg.now);
    } catch (err) {
      parentPort!.postMessage({ seq: msg.seq, crash: (err as Error).stack ?? String(err) });
      return;
    }
    // The piece's bytes go back to the main thread (moved, like the rest: a buffer of its own).
    result.buf = msg.buf;
    const moved: ArrayBuffer[] = [
      msg.buf.buffer as ArrayBuffer,
      result.lines.buffer,
      result.present.buffer,
      result.ranges.buffer,
      result.ends.buffer,
      result.chars.buffer as ArrayBuffer,
    ];
    parentPort!.postMessage(result, moved);
  },
);
