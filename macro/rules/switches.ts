/**
 * A setting that only means something under a switch (TtlAttributeName under TtlEnabled...).
 * - switch on: the setting applies;
 * - switch off by a template parameter: the setting is kept inert, so one parameter can toggle a
 *   feature without editing the template;
 * - switch off literally, or left at an off default: the setting would be silently ignored, so it
 *   is an error.
 * A switch that did not parse says nothing either way: its own error is reported.
 */
import { joinPath } from '../errors';
import { isIntrinsic } from '../model/values';
import { at, rawItems, type Check, type Reporter, type RuleInput } from './types';

export function switchIsOff(
  input: RuleInput,
  r: Reporter,
  switchPath: string,
  switchRaw: unknown,
  on: boolean,
  settingPath: string,
  settingRaw: unknown,
  defaultOn = false,
): void {
  if (settingRaw === undefined || on || isIntrinsic(switchRaw) || input.failed.at(switchPath)) return;
  if (switchRaw === undefined && !defaultOn)
    r.error(settingPath, `is set but ${switchPath} is not true (it defaults to false); set ${switchPath}: true or remove ${settingPath}`);
  else r.error(settingPath, `is set but ${switchPath} is false; remove one of them`);
}

export const settingsNeedTheirSwitch: Check = (input, r) => {
  const { model, properties: p, failed } = input;
  const sw = (switchPath: string, on: boolean, settingPath: string, defaultOn = false) =>
    switchIsOff(input, r, switchPath, p[switchPath], on, settingPath, p[settingPath], defaultOn);
  sw('TtlEnabled', model.ttl !== undefined, 'TtlAttributeName');
  // With replicas the stream is forced on; a ReplicaRegions that did not parse leaves that unknown.
  if (!model.replicasDeclared && !failed.at('ReplicaRegions')) sw('StreamEnabled', model.stream !== undefined, 'StreamViewType');
  sw('ServerSideEncryptionEnabled', model.serverSideEncryption.enabled, 'ServerSideEncryptionKmsKeyArn', true);
  sw('PointInTimeRecoveryEnabled', model.pointInTimeRecovery.enabled, 'PointInTimeRecoveryPeriodInDays', true);

  rawItems(p.ReplicaRegions).forEach((raw, i) => {
    const on = model.replicas.find((x) => at(x, model.replicas) === i)?.pointInTimeRecoveryEnabled ?? true;
    switchIsOff(
      input,
      r,
      joinPath('ReplicaRegions', i, 'PointInTimeRecoveryEnabled'),
      raw.PointInTimeRecoveryEnabled,
      on,
      joinPath('ReplicaRegions', i, 'PointInTimeRecoveryPeriodInDays'),
      raw.PointInTimeRecoveryPeriodInDays,
      true,
    );
  });
};
