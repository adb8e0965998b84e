import { join } from 'node:path';
import type { AirlockConfig } from '../core/config.js';
import type { Store } from './store.js';

/** Opens the configured store; each adapter (and its SDK) is imported only when chosen. */
export async function openStore(config: AirlockConfig['store'], dataDir: string): Promise<Store> {
  switch (config.type) {
    case 'sqlite': {
      const { SqliteStore } = await import('./sqlite/sqlite-store.js');
      return SqliteStore.open(config.path ?? join(dataDir, 'airlock.db'));
    }
    case 'dynamodb': {
      const { DynamoStore } = await import('./dynamodb/index.js');
      return DynamoStore.open({
        table: config.table,
        ...(config.region ? { region: config.region } : {}),
        ...(config.endpoint ? { endpoint: config.endpoint } : {}),
        createTable: config.createTable,
      });
    }
  }
}
