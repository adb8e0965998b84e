import { after, before } from 'node:test';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoStore } from '../../src/store/dynamodb/index.js';
import { type Dynalite, startDynalite, uniqueTableName } from '../helpers/dynalite.js';
import { storeContract } from './contract.js';

// One dynalite server for the file; every contract test gets a fresh table.
let server: Dynalite;
before(async () => {
  server = await startDynalite();
});
after(async () => {
  await server.close();
});

storeContract('dynamodb', async () => {
  const client = server.client();
  const table = uniqueTableName();
  const store = await DynamoStore.open({ table, client, createTable: true });
  return {
    store,
    async cleanup() {
      await store.close();
      await client.send(new DeleteTableCommand({ TableName: table }));
      client.destroy();
    },
  };
});
