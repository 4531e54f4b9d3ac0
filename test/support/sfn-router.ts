/**
 * The router on the port moto_server's Step Functions executor calls back on. moto 5.2.1 runs a
 * state machine (config `stepfunctions.execute_state_machine`) with boto3 clients whose endpoint is
 * `http://localhost:$MOTO_PORT` (moto/stepfunctions/parser/asl/utils/boto_client.py in
 * github.com/getmoto/moto, tag 5.2.1; the env var, not moto_server's `-p`). moto_server is started
 * with MOTO_PORT set to this router's port, and the router sends:
 * - Lambda Invoke (`POST /2015-03-31/functions/{FunctionName}/invocations`, Lambda API reference,
 *   Invoke) to the local Lambda API running the real bundled provider (stack-engine/lambda.ts);
 * - everything else (S3 for the ItemReader, the test's own Step Functions calls) to moto, but for
 *   the Step Functions calls it answers itself (StartExecution, DescribeExecution,
 *   RedriveExecution and the listings below).
 *
 * It records each batch's outcome as Step Functions saw it, and models two rules of Step Functions
 * that moto 5.2.1's executor does not implement:
 * - **ToleratedFailurePercentage.** With 0, one failed child execution fails the Map Run with
 *   `States.ExceedToleratedFailureThreshold`, and with it the execution ("Setting failure
 *   thresholds for Distributed Map states",
 *   https://docs.aws.amazon.com/step-functions/latest/dg/maprun-fail-threshold.html). moto lets
 *   the execution succeed, so DescribeExecution is answered FAILED when, once moto's run ended, a
 *   batch's last attempt failed (a child is retried by its Retry first: only the last attempt
 *   decides). AWS may fail the run before every child ended; here it waits for moto's end.
 * - **RedriveExecution.** Only a FAILED, ABORTED or TIMED_OUT execution may be redriven, else
 *   `ExecutionNotRedrivable`; the execution keeps its ARN, runs again and counts `redriveCount`
 *   (Step Functions API reference, RedriveExecution,
 *   https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html). A
 *   redriven Map Run re-runs only the child executions that did not succeed; succeeded ones are
 *   not run again ("Redriving Map Runs",
 *   https://docs.aws.amazon.com/step-functions/latest/dg/redrive-map-run.html). moto has no
 *   RedriveExecution: the router starts, in moto, an execution of the same machine whose manifest
 *   lists only the items not yet succeeded, and answers for it under the original ARN.
 *
 * And it works around one moto 5.2.1 bug: a second StartExecution of a state machine that has run
 * fails with a 500 ("cannot pickle '_thread.RLock' object", https://github.com/getmoto/moto/issues/10077,
 * fixed after 5.2.1 by https://github.com/getmoto/moto/pull/10093); the deep copy reaches every
 * execution of the account and region (a probe: a second machine fails too, another region does
 * not). Each StartExecution (and each modelled redrive) runs on a copy of the machine in a region
 * of moto that has run nothing yet; the router answers under the ARN
 * AWS would give (`...:execution:<machine>:<name>`); a second start of the same name answers the
 * same execution when its input is the same, else `ExecutionAlreadyExists` (simplified: AWS answers
 * so for a running execution; Step Functions API reference, StartExecution,
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
 *
 * Because moto's own listings would show those copies (other regions, other ARNs), the router
 * also answers what `arc-dynamodb status` and `load --stack --resource` read (cli/load-progress.ts):
 * - **ListExecutions** of a machine: the executions started through the router, newest first, in
 *   pages (Step Functions API reference, ListExecutions,
 *   https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html).
 * - **ListMapRuns / DescribeMapRun**: the execution's one Map Run, answered from the copy now
 *   running for it, with what moto 5.2.1 does not count: items not started yet (`pending`; moto
 *   counts an item in `total` only once its child starts), and after a modelled redrive the same
 *   Map Run redriven, its counts covering the whole original manifest (the rules and their
 *   sources are at describeMapRun below; "Redriving Map Runs", above, and "Viewing Map Runs",
 *   https://docs.aws.amazon.com/step-functions/latest/dg/concepts-examine-map-run.html).
 *
 * `killNext` makes a worker "killed": the invocation runs (it may write items and its record),
 * then Step Functions gets the error Lambda reports for a runtime that died
 * (`Runtime.ExitError`, Lambda developer guide, "Troubleshoot invocation issues in Lambda",
 * https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html), an
 * error the machine's Retry does not retry, so the child fails. `holdNext` keeps a worker's
 * invocation from reaching Lambda until the test releases it, so its child execution is running
 * for as long as the test looks at it. StopExecution is answered ABORTED at once
 * (see stopExecution below).
 */
import * as http from 'node:http';
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  DescribeStateMachineCommand,
  ListMapRunsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  type DescribeExecutionCommandOutput,
  type MapRunItemCounts,
} from '@aws-sdk/client-sfn';
import { freePort } from './ports';
import { LOCAL_CREDENTIALS } from './moto';

/** Regions where copies of a machine run, one execution each (moto#10077); the machine itself is created in another. */
const COPY_REGIONS = [
  'us-west-2',
  'us-west-1',
  'us-east-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ca-central-1',
  'sa-east-1',
  'eu-south-1',
  'ap-east-1',
  'me-south-1',
  'af-south-1',
  'ap-northeast-3',
];

export interface BatchOutcome {
  runId: string;
  batch: number;
  /** Which run of the execution: 0 first, n the n-th redrive. */
  redrive: number;
  outcome: 'succeeded' | 'failed';
  error?: string;
  /** The answer was replaced by a runtime death (killNext). */
  killed?: boolean;
}

export interface SfnRouter {
  port: number;
  /** Give this to clients whose Step Functions calls must see the modelled rules. */
  endpoint: string;
  /** Where the router sends what it does not handle, and Lambda Invoke; set once both run. */
  route(to: { moto: string; lambda: string }): void;
  outcomes: BatchOutcome[];
  /** The next worker invocation (of `batch`, when given) runs, but Step Functions sees its runtime die. */
  killNext(batch?: number): void;
  /**
   * The next worker invocation (of `batch`, when given) waits, before it reaches Lambda, until
   * `release` is called: its child execution stays running for as long as the test wants.
   * `reached` resolves once the invocation is waiting.
   */
  holdNext(batch?: number): { reached: Promise<void>; release(): void };
  /** moto's own status of the run behind `executionArn` (RUNNING while its thread still works, whatever the router answers). */
  motoStatus(executionArn: string): Promise<string | undefined>;
  stop(): Promise<void>;
}

interface Execution {
  /** The machine the execution was started on (moto runs it on a copy). */
  machine: string;
  /** moto's ARN of the run now answering for this execution. */
  current: string;
  /** moto's ARN of its first run (its Map Run is the one a redrive redrives). */
  first: string;
  redrives: number;
  redriveDate?: Date;
  input: string;
  startDate: Date;
  /** Set by StopExecution (until a redrive): the execution is ABORTED whatever moto's run still does. */
  stopped?: { stopDate: Date; error?: string; cause?: string };
}

const readBody = (req: http.IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

function forward(target: string, req: http.IncomingMessage, body: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const url = new URL(String(req.url), target);
  return new Promise((resolve, reject) => {
    const out = http.request(url, { method: req.method, headers: { ...req.headers, 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    out.on('error', reject);
    out.end(body);
  });
}

const runIdOf = (input: unknown): string | undefined => {
  try {
    const run = (input as { ArcDynamoDbWorker?: { run?: string }; Run?: { run?: string } }) ?? {};
    const sealed = run.ArcDynamoDbWorker?.run ?? run.Run?.run;
    return sealed ? (JSON.parse(sealed) as { runId?: string }).runId : undefined;
  } catch {
    return undefined;
  }
};

export async function startSfnRouter(region = 'us-east-1'): Promise<SfnRouter> {
  const port = await freePort();
  let targets: { moto: string; lambda: string } | undefined;
  let s3: S3Client | undefined;
  const outcomes: BatchOutcome[] = [];
  const kills: (number | undefined)[] = [];
  const executions = new Map<string, Execution>();
  /** runId -> the redrive now running for it. */
  const redriveOf = new Map<string, number>();

  let copies = 0;
  const clients = new Map<string, SFNClient>();
  /** moto's Step Functions in the region of `arn` (or `region`). */
  const sfnIn = (arnOrRegion: string) => {
    const r = arnOrRegion.startsWith('arn:') ? arnOrRegion.split(':')[3] : arnOrRegion;
    let c = clients.get(r);
    if (!c) {
      c = new SFNClient({ endpoint: targets!.moto, region: r, credentials: LOCAL_CREDENTIALS });
      clients.set(r, c);
    }
    return c;
  };
  /** Runs `input` on a copy of `machine` in a region of moto that has run nothing (moto#10077), returning moto's execution ARN. */
  async function startOnCopy(machine: string, name: string, input: string): Promise<string> {
    const m = await sfnIn(machine).send(new DescribeStateMachineCommand({ stateMachineArn: machine }));
    const r = COPY_REGIONS[copies++];
    if (r === undefined) throw new Error(`this router runs at most ${COPY_REGIONS.length} executions per moto_server (moto#10077)`);
    const copy = await sfnIn(r).send(new CreateStateMachineCommand({ name: m.name, definition: m.definition, roleArn: m.roleArn }));
    return (await sfnIn(r).send(new StartExecutionCommand({ stateMachineArn: copy.stateMachineArn, name, input }))).executionArn!;
  }

  async function start(body: { stateMachineArn: string; name?: string; input?: string }): Promise<{ executionArn: string; startDate: Date }> {
    const name = body.name ?? randomUUID();
    const arn = `${body.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const input = body.input ?? '{}';
    const existing = executions.get(arn);
    // The same name and input as a running execution: the same answer; a different input, or a closed execution whatever
    // the input: ExecutionAlreadyExists (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
    if (existing && existing.input === input && (await describe(arn)).status === 'RUNNING') return { executionArn: arn, startDate: existing.startDate };
    if (existing) throw Object.assign(new Error(`Execution Already Exists: '${arn}'`), { code: 'ExecutionAlreadyExists' });
    const startDate = new Date();
    const current = await startOnCopy(body.stateMachineArn, name, input);
    executions.set(arn, { machine: body.stateMachineArn, current, first: current, redrives: 0, input, startDate });
    return { executionArn: arn, startDate };
  }

  const last = (runId: string) => {
    const latest = new Map<number, BatchOutcome>();
    for (const o of outcomes) if (o.runId === runId) latest.set(o.batch, o);
    return latest;
  };

  async function invoke(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) {
    let payload: { Batch?: { i?: number } } = {};
    try {
      payload = JSON.parse(body.toString('utf8') || '{}') as typeof payload;
    } catch {
      // Not a worker event: forwarded as it is.
    }
    const runId = runIdOf(payload);
    const batch = payload.Batch?.i;
    if (runId !== undefined && typeof batch === 'number') await held(batch);
    const answer = await forward(targets!.lambda, req, body);
    let headers = answer.headers;
    let out = answer.body;
    if (runId !== undefined && typeof batch === 'number') {
      const k = kills.findIndex((b) => b === undefined || b === batch);
      const killed = k !== -1;
      if (killed) kills.splice(k, 1);
      if (killed) {
        out = Buffer.from(JSON.stringify({ errorType: 'Runtime.ExitError', errorMessage: 'Error: Runtime exited with error: signal: killed' }));
        headers = { ...headers, 'x-amz-function-error': 'Unhandled' };
      }
      const failed = headers['x-amz-function-error'] !== undefined;
      const error = failed ? (JSON.parse(out.toString('utf8')) as { errorType?: string }).errorType : undefined;
      outcomes.push({
        runId,
        batch,
        redrive: redriveOf.get(runId) ?? 0,
        outcome: failed ? 'failed' : 'succeeded',
        ...(error ? { error } : {}),
        ...(killed ? { killed } : {}),
      });
    }
    res.writeHead(answer.status, { ...headers, 'content-length': out.length });
    res.end(out);
  }

  /** moto's answer for the run now behind `arn`, with the modelled failure threshold. */
  async function describe(arn: string): Promise<DescribeExecutionCommandOutput & { redriveCount: number }> {
    const ex = executions.get(arn);
    if (!ex) throw Object.assign(new Error(`Execution Does Not Exist: '${arn}'`), { code: 'ExecutionDoesNotExist' });
    const d = await sfnIn(ex.current).send(new DescribeExecutionCommand({ executionArn: ex.current }));
    const runId = runIdOf(JSON.parse(d.input ?? '{}'));
    const out = {
      ...d,
      executionArn: arn,
      stateMachineArn: ex.machine,
      name: arn.split(':').pop(),
      // A redriven execution keeps its start; the redrive has its own redriveDate (API reference, DescribeExecution).
      startDate: ex.startDate,
      redriveCount: ex.redrives,
      ...(ex.redriveDate ? { redriveDate: ex.redriveDate } : {}),
    };
    if (ex.stopped) return { ...out, status: 'ABORTED', output: undefined, ...ex.stopped, redriveStatus: 'REDRIVABLE' };
    if (d.status === 'SUCCEEDED' && runId !== undefined && [...last(runId).values()].some((o) => o.outcome === 'failed')) {
      return {
        ...out,
        status: 'FAILED',
        output: undefined,
        error: 'States.ExceedToleratedFailureThreshold',
        cause: 'The specified tolerated failure threshold was exceeded',
        redriveStatus: 'REDRIVABLE',
      };
    }
    return out;
  }

  async function redrive(arn: string): Promise<Date> {
    const d = await describe(arn);
    if (!['FAILED', 'ABORTED', 'TIMED_OUT'].includes(String(d.status))) {
      throw Object.assign(new Error(`Execution ${arn} is ${d.status}: only a FAILED, ABORTED or TIMED_OUT execution can be redriven`), {
        code: 'ExecutionNotRedrivable',
      });
    }
    const input = JSON.parse(d.input ?? '{}') as { Manifest: { Bucket: string; Key: string } };
    const runId = runIdOf(input)!;
    const got = await s3!.send(new GetObjectCommand({ Bucket: input.Manifest.Bucket, Key: input.Manifest.Key }));
    const items = JSON.parse(await got.Body!.transformToString()) as { i: number }[];
    const latest = last(runId);
    const left = items.filter((item) => latest.get(item.i)?.outcome !== 'succeeded');
    const ex = executions.get(arn)!;
    ex.redrives += 1;
    ex.redriveDate = new Date();
    ex.stopped = undefined;
    const key = `${input.Manifest.Key}.redrive-${ex.redrives}`;
    await s3!.send(new PutObjectCommand({ Bucket: input.Manifest.Bucket, Key: key, Body: JSON.stringify(left) }));
    redriveOf.set(runId, ex.redrives);
    ex.current = await startOnCopy(ex.machine, `${d.name}-redrive-${ex.redrives}`, JSON.stringify({ ...input, Manifest: { ...input.Manifest, Key: key } }));
    return ex.redriveDate;
  }

  /**
   * StopExecution: the execution ends ABORTED ("Stops an execution", Step Functions API reference,
   * StopExecution, https://docs.aws.amazon.com/step-functions/latest/apireference/API_StopExecution.html),
   * and with it its Map Run: children running are aborted, "stopped by the user" (API reference,
   * MapRunExecutionCounts, aborted). moto stops the run now behind the execution, but shows it
   * ABORTED only once its thread leaves the task it is in (a Lambda invoke may take minutes), so
   * the router answers ABORTED from the stop on.
   */
  async function stopExecution(body: { executionArn: string; error?: string; cause?: string }): Promise<{ stopDate?: Date }> {
    const ex = executions.get(body.executionArn);
    if (!ex) throw Object.assign(new Error(`Execution Does Not Exist: '${body.executionArn}'`), { code: 'ExecutionDoesNotExist' });
    const stopped = await sfnIn(ex.current).send(new StopExecutionCommand({ executionArn: ex.current, error: body.error, cause: body.cause }));
    ex.stopped ??= { stopDate: stopped.stopDate ?? new Date(), error: body.error, cause: body.cause };
    return { stopDate: ex.stopped.stopDate };
  }

  // ---- holdNext: a worker invocation that waits for the test ----
  const holds: { batch?: number; reached: () => void; released: Promise<void> }[] = [];
  function holdNext(batch?: number): { reached: Promise<void>; release(): void } {
    let reached!: () => void;
    let release!: () => void;
    const reachedP = new Promise<void>((r) => {
      reached = r;
    });
    const released = new Promise<void>((r) => {
      release = r;
    });
    holds.push({ batch, reached, released });
    return { reached: reachedP, release };
  }
  /** Waits while a hold matches this batch's invocation (each hold catches one invocation). */
  async function held(batch: number): Promise<void> {
    const h = holds.findIndex((x) => x.batch === undefined || x.batch === batch);
    if (h === -1) return;
    const [hold] = holds.splice(h, 1);
    hold.reached();
    await hold.released;
  }

  // ---- ListExecutions, ListMapRuns, DescribeMapRun of the original machine (what `arc-dynamodb status` reads) ----
  /** Timestamps as epoch seconds (awsJson1_0) at any depth: json() converts only the top level. */
  const epochs = (v: unknown): unknown =>
    v instanceof Date
      ? v.getTime() / 1000
      : Array.isArray(v)
        ? v.map(epochs)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v as Record<string, unknown>)
                .filter(([, x]) => x !== undefined)
                .map(([k, x]) => [k, epochs(x)]),
            )
          : v;
  const page = <T>(rows: T[], maxResults: number | undefined, nextToken: string | undefined) => {
    const from = nextToken ? Number(Buffer.from(nextToken, 'base64').toString('utf8')) : 0;
    if (!Number.isInteger(from) || from < 0 || from > rows.length) throw Object.assign(new Error('Invalid Token'), { code: 'InvalidToken' });
    // maxResults: 0 or absent is the default page of 100, at most 1,000 (API reference, ListExecutions).
    const size = Math.min(1000, maxResults || 100);
    const next = from + size < rows.length ? Buffer.from(String(from + size)).toString('base64') : undefined;
    return { rows: rows.slice(from, from + size), next };
  };

  /**
   * ListExecutions of a machine: the executions started through the router (moto's own listing
   * shows its copies, in other regions), with their modelled status, "sorted by time, with the
   * most recent execution first", in pages of `maxResults` with a `nextToken` (Step Functions API
   * reference, ListExecutions, https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html).
   * A machine that does not exist is `StateMachineDoesNotExist` (moto answers DescribeStateMachine so).
   */
  async function listExecutions(body: { stateMachineArn?: string; statusFilter?: string; maxResults?: number; nextToken?: string; mapRunArn?: string }) {
    if (body.mapRunArn !== undefined || body.stateMachineArn === undefined)
      throw Object.assign(new Error("this router lists a state machine's executions only, not a Map Run's children"), { code: 'NotModelled' });
    await sfnIn(body.stateMachineArn).send(new DescribeStateMachineCommand({ stateMachineArn: body.stateMachineArn }));
    const rows = [];
    for (const [arn, ex] of executions) {
      if (ex.machine !== body.stateMachineArn) continue;
      const d = await describe(arn);
      if (body.statusFilter !== undefined && d.status !== body.statusFilter) continue;
      rows.push({
        executionArn: arn,
        stateMachineArn: ex.machine,
        name: d.name,
        status: d.status,
        startDate: ex.startDate,
        stopDate: d.stopDate,
        redriveCount: ex.redrives,
        redriveDate: ex.redriveDate,
      });
    }
    rows.sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
    const { rows: executionsPage, next } = page(rows, body.maxResults, body.nextToken);
    return { executions: executionsPage, ...(next ? { nextToken: next } : {}) };
  }

  /** The one Map Run of moto's run `motoArn` (the machine has one Map state), or undefined before it started. */
  async function motoMapRun(motoArn: string) {
    const listed = await sfnIn(motoArn).send(new ListMapRunsCommand({ executionArn: motoArn }));
    return listed.mapRuns?.[0];
  }
  /** moto's Map Run ARN, as the original machine's region has it (the copy runs in another region). */
  const asOriginal = (motoMapRunArn: string, ex: Execution) => {
    const parts = motoMapRunArn.split(':');
    parts[3] = ex.machine.split(':')[3];
    return parts.join(':');
  };
  const manifestLengths = new Map<string, number>();
  /** How many items (batches) the manifest of a run's input lists (read once). */
  async function manifestLength(input: string): Promise<number> {
    const m = (JSON.parse(input) as { Manifest: { Bucket: string; Key: string } }).Manifest;
    const key = `${m.Bucket}/${m.Key}`;
    let n = manifestLengths.get(key);
    if (n === undefined) {
      const got = await s3!.send(new GetObjectCommand({ Bucket: m.Bucket, Key: m.Key }));
      n = (JSON.parse(await got.Body!.transformToString()) as unknown[]).length;
      manifestLengths.set(key, n);
    }
    return n;
  }

  /**
   * ListMapRuns of an execution: its one Map Run, the first run's, under the original region. A
   * redrive of the parent "redrives all the unsuccessful states, including Distributed Map": the
   * existing Map Run is redriven (a new one starts only after States.DataLimitExceeded or a
   * States.Runtime interpolation error, which these workers do not raise) ("Redriving Map Runs",
   * https://docs.aws.amazon.com/step-functions/latest/dg/redrive-map-run.html), so a modelled
   * redrive lists the same Map Run, stopped when the run now answering for it stopped.
   */
  async function listMapRuns(body: { executionArn: string }) {
    const ex = executions.get(body.executionArn);
    if (!ex) throw Object.assign(new Error(`Execution Does Not Exist: '${body.executionArn}'`), { code: 'ExecutionDoesNotExist' });
    const first = await motoMapRun(ex.first);
    if (!first?.mapRunArn) return { mapRuns: [] };
    const now = ex.current === ex.first ? first : await motoMapRun(ex.current);
    return {
      mapRuns: [
        {
          executionArn: body.executionArn,
          mapRunArn: asOriginal(first.mapRunArn, ex),
          stateMachineArn: `${ex.machine}/${first.stateMachineArn?.split('/').pop()}`,
          startDate: first.startDate,
          stopDate: now?.stopDate,
        },
      ],
    };
  }

  /**
   * DescribeMapRun of that Map Run, from the run now answering for it, with what moto 5.2.1 does
   * not model (it counts an item in `total` only when its child starts,
   * moto/stepfunctions/parser/asl/component/state/exec/state_map/iteration/itemprocessor/distributed_item_processor_worker.py,
   * tag 5.2.1, and has no redrive):
   * - `total` is every item of the execution's manifest, and those not started yet are `pending`
   *   ("The total number of items to process in child workflow executions that haven't started
   *   running yet"; MapRunItemCounts, https://docs.aws.amazon.com/step-functions/latest/apireference/API_MapRunItemCounts.html).
   * - After a modelled redrive, the items that succeeded before stay `succeeded`: a redrive re-runs
   *   only the child executions that failed, timed out or were aborted ("Redriving Map Runs",
   *   "Child workflow execution redrive behavior",
   *   https://docs.aws.amazon.com/step-functions/latest/dg/redrive-map-run.html), and an item's
   *   status is its child execution's; the `failed` count "is reset to 0" when a Map Run is
   *   redriven ("Viewing Map Runs", "Item processing status",
   *   https://docs.aws.amazon.com/step-functions/latest/dg/concepts-examine-map-run.html), so it
   *   counts the current run's failures only. Items waiting to be re-run are `pendingRedrive`
   *   ("unsuccessful items in child workflow executions currently waiting to be redriven",
   *   MapRunItemCounts), reset to 0 once the Map Run completed (ibid., "Redriving Map Runs").
   *   `redriveCount` and `redriveDate` are the execution's ("If you've redriven a Map Run, this
   *   API action also returns information about the redrives of that Map Run", API reference,
   *   DescribeMapRun, https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeMapRun.html).
   * - A Map Run whose execution the failure threshold failed (see the header) is FAILED.
   * Each child execution loads one item (no ItemBatcher), so executionCounts equal itemCounts.
   * Fields the CLI does not read (resultsWritten, failuresNotRedrivable) are moto's, 0 where moto has none.
   */
  async function describeMapRun(body: { mapRunArn: string }) {
    for (const [arn, ex] of executions) {
      const first = await motoMapRun(ex.first);
      if (!first?.mapRunArn || asOriginal(first.mapRunArn, ex) !== body.mapRunArn) continue;
      const now = ex.current === ex.first ? first : await motoMapRun(ex.current);
      // The whole manifest, and what the run now answering lists: the items not succeeded before it.
      const all = await manifestLength(ex.input);
      const left = await manifestLength((await sfnIn(ex.current).send(new DescribeExecutionCommand({ executionArn: ex.current }))).input ?? ex.input);
      if (!now?.mapRunArn) {
        // The redrive's run has not reached its Map state yet: the Map Run as the earlier runs left it, being redriven.
        return mapRunAnswer(arn, ex, first, 'RUNNING', { ...zeroCounts(), total: all, succeeded: all - left, pendingRedrive: left }, undefined);
      }
      const d = await sfnIn(ex.current).send(new DescribeMapRunCommand({ mapRunArn: now.mapRunArn }));
      const c = { ...zeroCounts(), ...d.itemCounts };
      const notStarted = Math.max(0, left - (c.total ?? 0));
      const status = String(d.status) === 'SUCCEEDED' && (await describe(arn)).error === 'States.ExceedToleratedFailureThreshold' ? 'FAILED' : String(d.status);
      const redriven = ex.redrives > 0;
      const counts: MapRunItemCounts = {
        ...c,
        total: all,
        succeeded: all - left + (c.succeeded ?? 0),
        pending: redriven ? 0 : notStarted,
        pendingRedrive: redriven && status === 'RUNNING' ? notStarted : 0,
      };
      return mapRunAnswer(arn, ex, first, status, counts, d);
    }
    throw Object.assign(new Error(`Resource not found: '${body.mapRunArn}'`), { code: 'ResourceNotFound' });
  }
  const zeroCounts = (): MapRunItemCounts => ({
    pending: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    timedOut: 0,
    aborted: 0,
    total: 0,
    resultsWritten: 0,
    failuresNotRedrivable: 0,
    pendingRedrive: 0,
  });
  const mapRunAnswer = (
    arn: string,
    ex: Execution,
    first: { mapRunArn?: string; startDate?: Date },
    status: string,
    counts: MapRunItemCounts,
    d: { maxConcurrency?: number; toleratedFailurePercentage?: number; toleratedFailureCount?: number; stopDate?: Date } | undefined,
  ) => ({
    mapRunArn: asOriginal(first.mapRunArn!, ex),
    executionArn: arn,
    status,
    startDate: first.startDate,
    stopDate: status === 'RUNNING' ? undefined : d?.stopDate,
    maxConcurrency: d?.maxConcurrency ?? 0,
    toleratedFailurePercentage: d?.toleratedFailurePercentage ?? 0,
    toleratedFailureCount: d?.toleratedFailureCount ?? 0,
    itemCounts: counts,
    executionCounts: counts,
    redriveCount: ex.redrives,
    redriveDate: ex.redriveDate,
  });

  /** The calls above, answered here (or undefined: not one of them); errors as Step Functions sends them. */
  async function progressCall(target: string, body: Buffer): Promise<{ status: number; value: unknown; type?: string } | undefined> {
    const calls: Record<string, (b: never) => Promise<unknown>> = {
      'AWSStepFunctions.ListExecutions': listExecutions,
      'AWSStepFunctions.ListMapRuns': listMapRuns,
      'AWSStepFunctions.DescribeMapRun': describeMapRun,
    };
    const call = calls[target];
    if (!call) return undefined;
    try {
      return { status: 200, value: epochs(await call(JSON.parse(body.toString('utf8') || '{}') as never)) };
    } catch (e) {
      const err = e as Error & { code?: string };
      const type = err.code ?? err.name ?? 'InternalError';
      const client = /^(Execution|StateMachine|ResourceNotFound|InvalidToken|InvalidArn)/.test(type);
      return { status: client ? 400 : 500, value: { __type: type, message: err.message }, type };
    }
  }

  const json = (res: http.ServerResponse, status: number, value: unknown, type?: string) => {
    // Timestamps as epoch seconds (awsJson1_0); Date.toJSON runs before a replacer, so dates are converted first.
    const plain = Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([k, v]) => k !== '$metadata' && v !== undefined)
        .map(([k, v]) => [k, v instanceof Date ? v.getTime() / 1000 : v]),
    );
    const body = JSON.stringify(plain);
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': Buffer.byteLength(body),
      'x-amzn-requestid': randomUUID(),
      ...(type ? { 'x-amzn-errortype': type } : {}),
    });
    res.end(body);
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (!targets) return json(res, 503, { __type: 'ServiceUnavailable', message: 'router not routed yet' });
      const target = String(req.headers['x-amz-target'] ?? '');
      try {
        if (req.method === 'POST' && /^\/2015-03-31\/functions\/.+\/invocations/.test(String(req.url))) return await invoke(req, body, res);
        if (target === 'AWSStepFunctions.StartExecution') return json(res, 200, await start(JSON.parse(body.toString('utf8'))));
        if (target === 'AWSStepFunctions.DescribeExecution') {
          const { executionArn } = JSON.parse(body.toString('utf8')) as { executionArn: string };
          return json(res, 200, await describe(executionArn));
        }
        if (target === 'AWSStepFunctions.StopExecution') return json(res, 200, await stopExecution(JSON.parse(body.toString('utf8'))));
        if (target === 'AWSStepFunctions.RedriveExecution') {
          const { executionArn } = JSON.parse(body.toString('utf8')) as { executionArn: string };
          return json(res, 200, { redriveDate: await redrive(executionArn) });
        }
        const progress = await progressCall(target, body);
        if (progress) return json(res, progress.status, progress.value, progress.type);
        const answer = await forward(targets.moto, req, body);
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      } catch (e) {
        const err = e as Error & { code?: string; name: string };
        const type = err.code ?? err.name ?? 'InternalError';
        if (!res.headersSent) json(res, /^Execution/.test(type) ? 400 : 500, { __type: type, message: err.message }, type);
      }
    })();
  });
  // No host: moto's boto3 clients call `localhost`, which may resolve to ::1 or 127.0.0.1.
  await new Promise<void>((r) => server.listen(port, () => r()));

  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    route(to) {
      targets = to;
      const common = { endpoint: to.moto, region, credentials: LOCAL_CREDENTIALS };
      s3 = new S3Client({ ...common, forcePathStyle: true });
    },
    outcomes,
    killNext: (batch) => void kills.push(batch),
    async motoStatus(arn) {
      const ex = executions.get(arn);
      return ex ? (await sfnIn(ex.current).send(new DescribeExecutionCommand({ executionArn: ex.current }))).status : undefined;
    },
    holdNext,
    async stop() {
      s3?.destroy();
      for (const c of clients.values()) c.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(() => r(undefined)));
    },
  };
}
