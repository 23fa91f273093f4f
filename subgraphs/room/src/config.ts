import { subgraphEnv } from '@roombook/kernel';

export const configSchema = subgraphEnv;
export type RoomConfig = typeof configSchema._output;
