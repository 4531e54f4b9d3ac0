/**
 * A setting that only means something under a switch (TtlAttributeName under TtlEnabled...).
 * - switch on: the setting applies;
 * - switch off by a template parameter: the setting is kept inert, so one parameter can toggle a
 *   feature without editing the template;
 * - switch off literally, or left at an off default: the setting would be silently ignored, so it
 *   is an error.
 */
import { joinPath } from '../errors';
import { isIntrinsic } from '../model/values';
import { reporter, type Rule } from './types';

type Raw = Record<string, unknown>;

export function switchIsOff(
  r: ReturnType<typeof reporter>,
  switchPath: string,
  switchRaw: unknown,
  on: boolean,
  settingPath: string,
  settingRaw: unknown,
  defaultOn = false,
): void {
  if (settingRaw === undefined || on || isIntrinsic(switchRaw)) return;
  if (switchRaw === undefined && !defaultOn) r.error(settingPath, `is set but ${switchPath} is not true (it defaults to false); set ${switchPath}: true or remove ${settingPath}`);
  else r.error(settingPath, `is set but ${switchPath} is false; remove one of them`);
}

export const settingsNeedTheirSwitch: Rule = ({ model, properties: p }) => {
  const r = reporter(model);
  const sw = (switchPath: string, on: boolean, settingPath: string, defaultOn = false) =>
    switchIsOff(r, switchPath, p[switchPath], on, settingPath, p[settingPath], defaultOn);
  sw('TtlEnabled', model.ttl !== undefined, 'TtlAttributeName');
  if (!model.replicasDeclared) sw('StreamEnabled', model.stream !== undefined, 'StreamViewType');
  sw('ServerSideEncryptionEnabled', model.serverSideEncryption.enabled, 'ServerSideEncryptionKmsKeyArn', true);
  sw('PointInTimeRecoveryEnabled', model.pointInTimeRecovery.enabled, 'PointInTimeRecoveryPeriodInDays', true);

  const replicas = Array.isArray(p.ReplicaRegions) ? (p.ReplicaRegions as Raw[]) : [];
  replicas.forEach((raw, i) => {
    const on = model.replicas[i]?.pointInTimeRecoveryEnabled ?? true;
    switchIsOff(r, joinPath('ReplicaRegions', i, 'PointInTimeRecoveryEnabled'), raw.PointInTimeRecoveryEnabled, on, joinPath('ReplicaRegions', i, 'PointInTimeRecoveryPeriodInDays'), raw.PointInTimeRecoveryPeriodInDays, true);
  });

  if (p.WaitForReplication !== undefined && !isIntrinsic(p.ReplicaRegions) && !Array.isArray(p.ReplicaRegions)) {
    r.error('WaitForReplication', 'is set but the table has no ReplicaRegions');
  }
  for (const kind of ['ImportTable', 'Load'] as const) {
    const raw = p[kind] as Raw | undefined;
    const source = kind === 'ImportTable' ? model.importTable : model.load;
    if (raw?.InputFormatOptions !== undefined && source && source.inputFormat !== 'CSV' && !isIntrinsic(raw.InputFormat)) {
      r.error(joinPath(kind, 'InputFormatOptions'), `is only for InputFormat CSV; this source is ${source.inputFormat}`);
    }
  }
  return r.errors;
};
