import { ids } from '../naming';
import { dashboardBody, TABLE_NAME_VARIABLE } from '../monitoring/dashboard-body';
import { indexesDependency } from './common';
import type { Generator } from './types';

/**
 * `Monitoring.Dashboard: true`: one AWS::CloudWatch::Dashboard per table. DashboardName is left to
 * CloudFormation so two stacks never clash (dashboard names are unique per account).
 */
export const dashboardGenerator: Generator = (table) => {
  if (!table.monitoring.enabled || !table.monitoring.dashboard) return { resources: {}, outputs: {} };
  return {
    resources: {
      [ids.dashboard(table.logicalId)]: {
        Type: 'AWS::CloudWatch::Dashboard',
        ...(table.condition !== undefined ? { Condition: table.condition } : {}),
        ...(indexesDependency(table).length > 0 ? { DependsOn: indexesDependency(table) } : {}),
        Properties: {
          DashboardBody: { 'Fn::Sub': [dashboardBody(table), { [TABLE_NAME_VARIABLE]: { Ref: table.logicalId } }] },
        },
      },
    },
    outputs: {},
  };
};
