/** Table-wide constraints: names, tags, contributor insights, adoption, alarm overrides. */
import { INDEXES_TAG_KEY, OWNER_TAG_KEY } from '../../contract/resources';
import { joinPath } from '../errors';
import { isIntrinsic } from '../model/values';
import { monitoringFindings, type MonitoringCheck } from '../monitoring/settings';
import { NAME_PATTERN } from './indexes';
import { keysNameIndexes, type Check } from './types';

/** DynamoDB allows 50 tags per table; one is the macro's ownership tag. */
export const MAX_USER_TAGS = 49;

export const tableNameIsValid: Check = ({ model }, r) => {
  if (typeof model.tableName === 'string' && !NAME_PATTERN.test(model.tableName)) {
    r.error('TableName', `'${model.tableName}' is not a valid table name: 3-255 characters of a-z, A-Z, 0-9, _ - .`);
  }
};

/** DynamoDB tagging restrictions: at most 50 tags, keys up to 128 characters, values up to 256, no aws: prefix. */
export const tagCount: Check = ({ model }, r) => {
  // GlobalSecondaryIndexManagement PROVIDER adds a second tag (macro/generators/table.ts).
  const max = model.indexManagement === 'PROVIDER' ? MAX_USER_TAGS - 1 : MAX_USER_TAGS;
  const added = model.indexManagement === 'PROVIDER' ? `${OWNER_TAG_KEY} and ${INDEXES_TAG_KEY}` : OWNER_TAG_KEY;
  if (model.tags.length > max) r.error('Tags', `has ${model.tags.length} tags; at most ${max} (DynamoDB allows 50 and the macro adds ${added})`);
};

export const tagKeysAndValues: Check = ({ model }, r) => {
  for (const { key, value } of model.tags) {
    const path = joinPath('Tags', key);
    if (key === OWNER_TAG_KEY) r.error(path, "is reserved: the macro sets it to the owning stack's ID");
    else if (key === INDEXES_TAG_KEY) r.error(path, 'is reserved: the macro sets it with GlobalSecondaryIndexManagement PROVIDER');
    else if (key.toLowerCase().startsWith('aws:')) r.error(path, 'must not start with aws: (reserved by AWS)');
    else if (key.length === 0 || key.length > 128) r.error(path, 'tag keys are 1-128 characters');
    if (typeof value === 'string' && value.length > 256) r.error(path, 'tag values are at most 256 characters');
  }
};

export const contributorInsightsNameIndexes: Check = (input, r) => {
  keysNameIndexes(input, r, 'GsiContributorInsightsEnabled', input.model.contributorInsights.gsi);
};

/**
 * ContributorInsightsMode applies wherever insights are on. It is inert, not an error, when a
 * template parameter may turn insights on: the table's switch or any GSI's (docs/reference.md,
 * "Switches").
 */
export const contributorInsightsModeNeedsInsights: Check = ({ model, properties: p, failed }, r) => {
  const insights = model.contributorInsights;
  if (insights.mode === undefined) return;
  if (failed.at('TableContributorInsightsEnabled') || failed.touching('GsiContributorInsightsEnabled')) return;
  const gsiSwitches =
    p.GsiContributorInsightsEnabled !== null && typeof p.GsiContributorInsightsEnabled === 'object'
      ? Object.values(p.GsiContributorInsightsEnabled as object)
      : [];
  const byParameter = isIntrinsic(p.TableContributorInsightsEnabled) || gsiSwitches.some(isIntrinsic);
  const anyOn = insights.table || Object.values(insights.gsi).some((v) => v);
  if (!anyOn && !byParameter) {
    r.error(
      'ContributorInsightsMode',
      'is set but Contributor Insights is off everywhere; set TableContributorInsightsEnabled or a GsiContributorInsightsEnabled entry to true',
    );
  }
};

export const adoptionNamesTheTable: Check = ({ model, failed }, r) => {
  const adopt = model.adoptExistingTable;
  if (adopt === undefined || failed.at('TableName')) return;
  if (model.tableName === undefined) r.error('AdoptExistingTable', 'requires TableName: an adopted table is found by its name');
  else if (typeof model.tableName === 'string' && model.tableName !== adopt) {
    r.error('AdoptExistingTable', `('${adopt}') must equal TableName ('${model.tableName}'): only the table this resource names can be adopted`);
  }
};

/**
 * Alarm overrides, merged with each kind's defaults (macro/monitoring/settings.ts owns those
 * checks). A problem that compares a field that did not parse (and so reads as its default) is
 * only that field's echo; so is every problem of a kind whose Enabled did not parse.
 */
function alarmCheck(check: MonitoringCheck): Check {
  return ({ model, failed }, r) => {
    if (failed.at('Monitoring.Enabled')) return;
    for (const f of monitoringFindings(model)) {
      if (f.check !== check) continue;
      const kind = f.path.split('.').slice(0, 3).join('.');
      if (failed.at(joinPath(kind, 'Enabled')) || f.fields.some((field) => failed.at(field))) continue;
      r.error(f.path, f.message);
    }
  };
}

export const alarmPeriods = alarmCheck('alarm-periods');
export const alarmDatapoints = alarmCheck('alarm-datapoints');
export const alarmEvaluationWindow = alarmCheck('alarm-evaluation-window');
export const alarmThresholds = alarmCheck('alarm-thresholds');
