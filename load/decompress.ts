/**
 * Streaming decompression. GZIP uses zlib. ZSTD uses fzstd's streaming Decompress on every
 * runtime: node 20 has no zstd, and zlib.createZstdDecompress in node 22 is still experimental
 * (https://nodejs.org/api/zlib.html#zlibcreatezstddecompressoptions), so one tested decoder, with
 * one set of error messages, serves the CLI on node 20 and the Lambda on nodejs22.x alike.
 * Only a window of the object is in memory, never the whole object.
 */
import { Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import { Decompress as FzstdDecompress } from 'fzstd';
import type { CompressionType } from './types';

/** fzstd's push/ondata API as a Node Transform, so backpressure works the same as with zlib. */
export class FzstdTransform extends Transform {
  private readonly decoder: FzstdDecompress;
  constructor() {
    super();
    this.decoder = new FzstdDecompress((data) => {
      if (data.length > 0) this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.decoder.push(chunk);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
  override _flush(cb: TransformCallback): void {
    try {
      this.decoder.push(new Uint8Array(0), true);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
}

/** A decompressing Transform for `type`, or undefined for NONE. */
export function decompressor(type: CompressionType): Transform | undefined {
  switch (type) {
    case 'NONE':
      return undefined;
    case 'GZIP':
      // Concatenated gzip members are one stream (zlib handles multi-member input).
      return zlib.createGunzip();
    case 'ZSTD':
      return new FzstdTransform();
  }
}
