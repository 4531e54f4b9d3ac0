/** Table-wide constraints: names, tags, contributor insights, import, adoption, alarm overrides. */
import { OWNER_TAG_KEY } from '../../common/contract';
import { joinPath } from '../errors';
import { monitoringProblems } from '../monitoring/settings';
import { NAME_PATTERN } from './indexes';
import { keysNameIndexes, reporter, type Rule } from './types';

/** DynamoDB allows 50 tags per table; one is the macro's ownership tag. */
export const MAX_USER_TAGS = 49;

export const tableNameIsValid: Rule = ({ model }) => {
  const r = reporter(model);
  if (typeof model.tableName === 'string' && !NAME_PATTERN.test(model.tableName)) {
    r.error('TableName', `'${model.tableName}' is not a valid table name: 3-255 characters of a-z, A-Z, 0-9, _ - .`);
  }
  return r.errors;
};

/** DynamoDB tagging restrictions: at most 50 tags, keys up to 128 characters, values up to 256, no aws: prefix. */
export const tagsAreValid: Rule = ({ model }) => {
  const r = reporter(model);
  if (model.tags.length > MAX_USER_TAGS) r.error('Tags', `has ${model.tags.length} tags; at most ${MAX_USER_TAGS} (DynamoDB allows 50 and the macro adds ${OWNER_TAG_KEY})`);
  for (const { key, value } of model.tags) {
    const path = joinPath('Tags', key);
    if (key === OWNER_TAG_KEY) r.error(path, 'is reserved: the macro sets it to the owning stack\'s ID');
    else if (key.toLowerCase().startsWith('aws:')) r.error(path, 'must not start with aws: (reserved by AWS)');
    else if (key.length === 0 || key.length > 128) r.error(path, 'tag keys are 1-128 characters');
    if (typeof value === 'string' && value.length > 256) r.error(path, 'tag values are at most 256 characters');
  }
  return r.errors;
};

export const contributorInsightsNameIndexes: Rule = ({ model, properties: p }) => {
  const r = reporter(model);
  keysNameIndexes(r, model, 'GsiContributorInsightsEnabled', model.contributorInsights.gsi);
  const anyOn = model.contributorInsights.table || Object.values(model.contributorInsights.gsi).some((v) => v);
  const byParameter = typeof p.TableContributorInsightsEnabled === 'object';
  if (model.contributorInsights.mode !== undefined && !anyOn && !byParameter) {
    r.error('ContributorInsightsMode', 'is set but Contributor Insights is off everywhere; set TableContributorInsightsEnabled or a GsiContributorInsightsEnabled entry to true');
  }
  return r.errors;
};

/** ImportTable's TableCreationParameters have no LocalSecondaryIndexes (DynamoDB API reference, ImportTable). */
export const importCannotCreateLocalIndexes: Rule = ({ model }) => {
  const r = reporter(model);
  if (model.importTable && model.localSecondaryIndexes.length > 0) {
    r.error('ImportTable', 'cannot be combined with LocalSecondaryIndexes: DynamoDB\'s ImportTable creates no local secondary indexes');
  }
  return r.errors;
};

export const adoptionNamesTheTable: Rule = ({ model }) => {
  const r = reporter(model);
  const adopt = model.adoptExistingTable;
  if (adopt === undefined) return r.errors;
  if (model.tableName === undefined) r.error('AdoptExistingTable', 'requires TableName: an adopted table is found by its name');
  else if (typeof model.tableName === 'string' && model.tableName !== adopt) {
    r.error('AdoptExistingTable', `('${adopt}') must equal TableName ('${model.tableName}'): only the table this resource names can be adopted`);
  }
  return r.errors;
};

/** Alarm overrides, merged with each kind's defaults (macro/monitoring/settings.ts owns those checks). */
export const alarmOverridesAreConsistent: Rule = ({ model }) => {
  const r = reporter(model);
  for (const p of monitoringProblems(model)) r.error(p.path, p.message);
  return r.errors;
};
