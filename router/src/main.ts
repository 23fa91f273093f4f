import { createLogger, loadConfig, stopOnSignal } from '@roombook/kernel';
import { configSchema } from './config';
import { startRouter } from './server';

const config = loadConfig(configSchema);
startRouter(config).then(
  (router) => {
    const log = createLogger('router', config.LOG_LEVEL);
    log.info(`Router ready at http://localhost:${router.port}/graphql`);
    stopOnSignal(() => router.stop(), log);
  },
  (error: unknown) => {
    console.error('router failed to start:', error);
    process.exit(1);
  },
);
