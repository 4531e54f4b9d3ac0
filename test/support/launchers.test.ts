import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '../../local/dynamodb-local';
import { LOCAL_CREDENTIALS, startMoto } from './moto';

describe('local stand-ins', () => {
  it('DynamoDB Local starts on a free port and answers ListTables', async () => {
    const ddb = await startDynamoDbLocal();
    try {
      const client = new DynamoDBClient({ endpoint: ddb.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
      const out = await client.send(new ListTablesCommand({}));
      expect(out.TableNames).toEqual([]);
    } finally {
      await ddb.stop();
    }
  });

  it('moto_server starts on a free port and answers ListTables per region', async () => {
    const moto = await startMoto();
    try {
      const client = new DynamoDBClient({ endpoint: moto.endpoint, region: 'eu-west-1', credentials: LOCAL_CREDENTIALS });
      const out = await client.send(new ListTablesCommand({}));
      expect(out.TableNames).toEqual([]);
    } finally {
      await moto.stop();
    }
  });
});
