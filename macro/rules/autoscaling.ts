/**
 * Application Auto Scaling only applies to provisioned capacity; target utilization follows the
 * DynamoDB developer guide ("Managing throughput capacity automatically with DynamoDB auto
 * scaling": a target utilization between 20 and 90 percent).
 */
import { joinPath } from '../errors';
import type { ScalingModel, ScheduledActionModel, TableModel } from '../model/types';
import { isIntrinsic, literalNumber } from '../model/values';
import { keysNameIndexes, literalBoolean, type Check, type RuleInput } from './types';

export const MIN_TARGET_UTILIZATION = 20;
export const MAX_TARGET_UTILIZATION = 90;
const SETTINGS = ['AutoscalingRead', 'AutoscalingWrite', 'GsiAutoscalingRead', 'GsiAutoscalingWrite'] as const;

/** The settings given, counting one the schema rejected: it was given, just not usable. */
const given = ({ properties: p, failed }: RuleInput) => SETTINGS.filter((s) => p[s] !== undefined || failed.touching(s));

/** Whether BillingMode and AutoscalingEnabled parsed, so that reasoning from them is sound. */
const switchesParsed = ({ failed }: RuleInput) => !failed.at('BillingMode') && !failed.at('AutoscalingEnabled');

const onDemandLiterally = (input: RuleInput) => input.model.billingMode !== 'PROVISIONED' && !isIntrinsic(input.properties.BillingMode);

export const autoscalingNeedsProvisioned: Check = (input, r) => {
  if (!switchesParsed(input)) return;
  if (literalBoolean(input.properties.AutoscalingEnabled) === true && onDemandLiterally(input)) {
    r.error('AutoscalingEnabled', 'requires BillingMode PROVISIONED; PAY_PER_REQUEST tables scale on demand');
  }
};

export const autoscalingNeedsSettings: Check = (input, r) => {
  if (!switchesParsed(input)) return;
  if (input.model.autoscaling && given(input).length === 0) r.error('AutoscalingEnabled', `is true but none of ${SETTINGS.join(', ')} is set`);
};

export const autoscalingSettingsNeedSwitch: Check = (input, r) => {
  const { model, properties: p } = input;
  if (!switchesParsed(input) || model.autoscaling || isIntrinsic(p.AutoscalingEnabled) || isIntrinsic(p.BillingMode)) return;
  // On a literally on-demand table, AutoscalingEnabled: true is the error (autoscaling-needs-provisioned).
  if (literalBoolean(p.AutoscalingEnabled) === true && onDemandLiterally(input)) return;
  const why = p.AutoscalingEnabled === undefined ? 'AutoscalingEnabled is not true (it defaults to false)' : 'AutoscalingEnabled is false';
  for (const s of SETTINGS) if (p[s] !== undefined) r.error(s, `is set but ${why}`);
};

export const gsiScalingKeysNameIndexes: Check = (input, r) => {
  const a = input.model.autoscaling;
  if (!a) return;
  keysNameIndexes(input, r, 'GsiAutoscalingRead', a.gsiRead);
  keysNameIndexes(input, r, 'GsiAutoscalingWrite', a.gsiWrite);
};

function eachScaling(model: TableModel, visit: (path: string, s: ScalingModel) => void): void {
  const a = model.autoscaling;
  if (!a) return;
  if (a.read) visit('AutoscalingRead', a.read);
  if (a.write) visit('AutoscalingWrite', a.write);
  for (const [k, s] of Object.entries(a.gsiRead)) visit(joinPath('GsiAutoscalingRead', k), s);
  for (const [k, s] of Object.entries(a.gsiWrite)) visit(joinPath('GsiAutoscalingWrite', k), s);
}

export const scalingMinMax: Check = ({ model, failed }, r) => {
  eachScaling(model, (path, s) => {
    // A MinCapacity that failed reads as the default 1: comparing it would only echo that error.
    if (failed.at(joinPath(path, 'MinCapacity'))) return;
    const min = literalNumber(s.minCapacity);
    const max = literalNumber(s.maxCapacity);
    if (min !== undefined && max !== undefined && min > max) r.error(joinPath(path, 'MinCapacity'), `(${min}) must not exceed MaxCapacity (${max})`);
  });
};

export const scalingTargetRange: Check = ({ model }, r) => {
  eachScaling(model, (path, s) => {
    const target = literalNumber(s.targetValue);
    if (target !== undefined && (target < MIN_TARGET_UTILIZATION || target > MAX_TARGET_UTILIZATION)) {
      r.error(joinPath(path, 'TargetValue'), `must be between ${MIN_TARGET_UTILIZATION} and ${MAX_TARGET_UTILIZATION} (percent utilization); got ${target}`);
    }
  });
};

/** Each scheduled action of each scaled dimension, with its path (`AutoscalingRead.ScheduledActions[0]`). */
function eachScheduledAction(model: TableModel, visit: (path: string, a: ScheduledActionModel, scalingPath: string) => void): void {
  eachScaling(model, (scalingPath, s) => {
    for (const a of s.scheduledActions ?? []) visit(joinPath(scalingPath, 'ScheduledActions', a.index), a, scalingPath);
  });
}

/**
 * What is wrong with a literal Schedule, or undefined when it is well formed. Application Auto
 * Scaling API reference, PutScheduledAction, Schedule: "at(yyyy-mm-ddThh:mm:ss)", "rate(value
 * unit)" where value is a positive integer and unit is minute | minutes | hour | hours | day |
 * days, and "cron(fields)" of six fields separated by white space: [Minutes] [Hours]
 * [Day_of_Month] [Month] [Day_of_Week] [Year]. The cron syntax is EventBridge's (the Application
 * Auto Scaling user guide points there), where Day-of-month and Day-of-week cannot both be given:
 * one of them is `?`.
 */
export function scheduleProblem(schedule: string): string | undefined {
  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(schedule);
  if (at) {
    const [y, mo, d, h, mi, s] = at.slice(1).map(Number);
    const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
    const real = date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60 && s < 60;
    return real ? undefined : `at(${at[0].slice(3, -1)}) is not a date and time that exists`;
  }
  if (schedule.startsWith('at(')) return 'an at() expression is at(yyyy-mm-ddThh:mm:ss), with no time zone or fraction (Timezone sets the zone)';
  if (schedule.startsWith('rate(')) {
    if (/^rate\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\)$/.test(schedule)) return undefined;
    return 'a rate() expression is rate(value unit): value a positive integer, unit minute, minutes, hour, hours, day or days';
  }
  const cron = /^cron\((.*)\)$/.exec(schedule);
  if (cron) {
    const fields = cron[1]
      .trim()
      .split(/\s+/)
      .filter((f) => f.length > 0);
    if (fields.length !== 6) return `a cron() expression has six fields (Minutes Hours Day-of-month Month Day-of-week Year), not ${fields.length}`;
    const bad = fields.find((f) => !/^[0-9A-Za-z*?,/#-]+$/.test(f));
    if (bad !== undefined) return `the cron() field ${JSON.stringify(bad)} has characters cron does not use (digits, names, * ? , - / L W #)`;
    if (fields[2] !== '?' && fields[4] !== '?') return 'a cron() expression gives Day-of-month or Day-of-week, not both: one of them must be ?';
    return undefined;
  }
  return 'must be at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(Minutes Hours Day-of-month Month Day-of-week Year)';
}

export const scheduledActionSchedules: Check = ({ model }, r) => {
  eachScheduledAction(model, (path, a) => {
    if (typeof a.schedule !== 'string') return;
    const problem = scheduleProblem(a.schedule);
    if (problem !== undefined) r.error(joinPath(path, 'Schedule'), `${problem}; got ${JSON.stringify(a.schedule)}`);
  });
};

export const scheduledActionCapacityGiven: Check = ({ model, failed }, r) => {
  eachScheduledAction(model, (path, a) => {
    const action = joinPath(path, 'ScalableTargetAction');
    if (failed.touching(action)) return;
    if (a.minCapacity === undefined && a.maxCapacity === undefined)
      r.error(action, 'must set MinCapacity, MaxCapacity or both: an action without either changes nothing');
  });
};

export const scheduledActionMinMax: Check = ({ model }, r) => {
  eachScheduledAction(model, (path, a) => {
    const min = literalNumber(a.minCapacity);
    const max = literalNumber(a.maxCapacity);
    if (min !== undefined && max !== undefined && min > max) {
      r.error(joinPath(path, 'ScalableTargetAction', 'MinCapacity'), `(${min}) must not exceed MaxCapacity (${max})`);
    }
  });
};

/**
 * Timezone is "the canonical names of the IANA time zones, such as Etc/GMT+9 or Pacific/Tahiti",
 * and StartTime comes before EndTime (Application Auto Scaling API reference, PutScheduledAction).
 * A zone name is checked by the runtime's own IANA database (Intl), which is Lambda's too.
 */
export const scheduledActionWindow: Check = ({ model }, r) => {
  eachScheduledAction(model, (path, a) => {
    if (typeof a.timezone === 'string') {
      let known = true;
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: a.timezone });
      } catch {
        known = false;
      }
      if (!known) r.error(joinPath(path, 'Timezone'), `must be an IANA time zone name such as Europe/Paris or Etc/UTC; got ${JSON.stringify(a.timezone)}`);
    }
    const times: [string, number][] = [];
    for (const [key, v] of [
      ['StartTime', a.startTime],
      ['EndTime', a.endTime],
    ] as const) {
      if (typeof v !== 'string') continue;
      const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/.test(v) ? Date.parse(v) : NaN;
      if (Number.isNaN(ms)) r.error(joinPath(path, key), `must be an ISO 8601 time such as 2026-12-24T08:00:00Z; got ${JSON.stringify(v)}`);
      else times.push([key, ms]);
    }
    if (times.length === 2 && times[0][1] >= times[1][1]) r.error(joinPath(path, 'EndTime'), 'must come after StartTime: the action would never run');
  });
};

export const scheduledActionNamesUnique: Check = ({ model }, r) => {
  eachScaling(model, (scalingPath, s) => {
    const seen = new Map<string, number>();
    for (const a of s.scheduledActions ?? []) {
      if (typeof a.name !== 'string') continue;
      const path = joinPath(scalingPath, 'ScheduledActions', a.index, 'ScheduledActionName');
      const first = seen.get(a.name);
      if (first !== undefined)
        r.error(path, `${JSON.stringify(a.name)} is already the name of ScheduledActions[${first}]: names are unique per scalable target`);
      else seen.set(a.name, a.index);
    }
  });
};
