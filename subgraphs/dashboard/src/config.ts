import { subgraphEnv } from '@roombook/kernel';

export const configSchema = subgraphEnv;
export type DashboardConfig = typeof configSchema._output;
