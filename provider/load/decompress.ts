/**
 * Streaming decompression. GZIP uses zlib. ZSTD uses zlib's own zstd when the runtime has it
 * (node >= 22.15 / 23.8: zlib.createZstdDecompress, https://nodejs.org/api/zlib.html#zlibcreatezstddecompressoptions)
 * and otherwise fzstd's streaming Decompress (node 20 has no zstd).
 * Either way only a window of the object is in memory, never the whole object.
 */
import { Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import { Decompress as FzstdDecompress } from 'fzstd';
import type { CompressionType } from './types';

type ZstdFactory = () => Transform;

function nativeZstd(): ZstdFactory | undefined {
  const z = zlib as unknown as { createZstdDecompress?: () => Transform };
  return typeof z.createZstdDecompress === 'function' ? () => z.createZstdDecompress!() : undefined;
}

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

/** The zstd implementation in use, for logs and the docs' claim. */
export function zstdImplementation(): 'zlib' | 'fzstd' {
  return nativeZstd() ? 'zlib' : 'fzstd';
}

/** A decompressing Transform for `type`, or undefined for NONE. */
export function decompressor(type: CompressionType, forceFzstd = false): Transform | undefined {
  switch (type) {
    case 'NONE':
      return undefined;
    case 'GZIP':
      // Concatenated gzip members are one stream (zlib handles multi-member input).
      return zlib.createGunzip();
    case 'ZSTD': {
      const native = forceFzstd ? undefined : nativeZstd();
      return native ? native() : new FzstdTransform();
    }
  }
}
