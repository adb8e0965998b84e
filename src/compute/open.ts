import type { AirlockConfig } from '../core/config.js';
import type { ComputeProvider } from './provider.js';

/** Opens the configured compute provider; each one (and its SDK) is imported only when chosen. */
export async function openProvider(config: AirlockConfig, dataDir: string): Promise<ComputeProvider> {
  const compute = config.compute;
  switch (compute.type) {
    case 'local': {
      const { LocalProvider } = await import('./local/index.js');
      return new LocalProvider({ dataDir, stopGraceSeconds: compute.stopGrace, runnerId: config.runnerId });
    }
    case 'ecs': {
      const { EcsProvider } = await import('./ecs/ecs-provider.js');
      return EcsProvider.fromConfig(compute, config.runnerId);
    }
  }
}
