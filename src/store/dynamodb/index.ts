/** The DynamoDB Store adapter. Import lazily: it loads the AWS SDK. */
export { DynamoStore, type DynamoStoreOptions } from './dynamo-store.js';
export { tableDefinition } from './table.js';
