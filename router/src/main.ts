import './tracing';
import { loadConfig, runUntilStopped } from '@roombook/kernel';
import { configSchema } from './config';
import { startRouter } from './server';

const config = loadConfig(configSchema);
runUntilStopped('router', config.LOG_LEVEL, () => startRouter(config));
