/**
 * Where the loader reads from: objects under an S3 prefix (the custom resource and `--s3`), or
 * local files (`--file`). Objects are visited in a fixed order so a checkpoint can name "the last
 * object finished" and a continuation can list only what comes after it.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { LoadError } from './types';

export interface SourceObject {
  key: string;
  /** For messages and logs: `s3://bucket/key` or the file path. */
  name: string;
  size: number;
  etag?: string;
}

export interface ObjectSource {
  /** `s3://bucket/prefix` or the file list, for messages. */
  readonly description: string;
  /** Objects after the one keyed `after` ('' = from the start), in order. */
  list(after: string): AsyncGenerator<SourceObject>;
  /** The stored bytes of `obj` from byte `from` on. */
  open(obj: SourceObject, from: number): Promise<Readable>;
}

function s3Error(e: unknown, what: string, owner?: string): Error {
  const err = e as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  const code = err.name ?? err.Code;
  const status = err.$metadata?.httpStatusCode;
  if (code === 'NoSuchBucket') return new LoadError(`${what}: the bucket does not exist (NoSuchBucket)`);
  if (code === 'NoSuchKey') return new LoadError(`${what}: the object disappeared during the load (NoSuchKey)`);
  if (code === 'PreconditionFailed' || status === 412) {
    return new LoadError(`${what}: the object changed during the load (its ETag no longer matches); load again with a new Revision`);
  }
  if (code === 'AccessDenied' || status === 403) {
    return new LoadError(
      owner
        ? `${what}: access denied; the bucket is not owned by account ${owner} (BucketOwner), or the provider may not read it`
        : `${what}: access denied; the provider may not read this bucket (see LoadBucketNames in docs/load.md)`,
    );
  }
  return e as Error;
}

export class S3Source implements ObjectSource {
  readonly description: string;
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
    /** Maps to ExpectedBucketOwner on every call: S3 answers 403 when another account owns the bucket
     * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html). */
    private readonly owner?: string,
  ) {
    this.description = `s3://${bucket}/${prefix}`;
  }

  async *list(after: string): AsyncGenerator<SourceObject> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix || undefined,
            ContinuationToken: token,
            // ListObjectsV2 returns keys in UTF-8 binary order, so StartAfter resumes exactly after `after`.
            StartAfter: token === undefined && after !== '' ? after : undefined,
            ExpectedBucketOwner: this.owner,
          }),
        );
      } catch (e) {
        throw s3Error(e, this.description, this.owner);
      }
      for (const o of page.Contents ?? []) {
        // A zero-byte key ending in '/' is a console "folder", not data.
        if (o.Key!.endsWith('/') && (o.Size ?? 0) === 0) continue;
        yield { key: o.Key!, name: `s3://${this.bucket}/${o.Key}`, size: o.Size ?? 0, etag: o.ETag };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async open(obj: SourceObject, from: number): Promise<Readable> {
    try {
      const res = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: obj.key,
          ExpectedBucketOwner: this.owner,
          // The object must be the one listed (and checkpointed): a resume into a rewritten object would load garbage.
          IfMatch: obj.etag,
          Range: from > 0 ? `bytes=${from}-` : undefined,
        }),
      );
      return res.Body as Readable;
    } catch (e) {
      throw s3Error(e, obj.name, this.owner);
    }
  }
}

/** Local files, in the order given (the CLI's `--file`). */
export class FileSource implements ObjectSource {
  readonly description: string;
  constructor(private readonly paths: string[]) {
    this.description = paths.join(', ');
  }

  async *list(after: string): AsyncGenerator<SourceObject> {
    const start = after === '' ? 0 : this.paths.indexOf(after) + 1;
    for (const path of this.paths.slice(start)) {
      let size: number;
      try {
        size = (await stat(path)).size;
      } catch (e) {
        throw new LoadError(`${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
      }
      yield { key: path, name: path, size };
    }
  }

  async open(obj: SourceObject, from: number): Promise<Readable> {
    return createReadStream(obj.key, { start: from, highWaterMark: 256 * 1024 });
  }
}
