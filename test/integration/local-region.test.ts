import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../functions/store/client';
import { userKey } from '../../functions/store/schema';
import { startApp, type TestApp } from '../support/app';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

describe('the local store, whatever the caller region (sam local invoke cannot set AWS_REGION)', () => {
  test.each(['eu-west-1', 'ap-southeast-2', 'us-east-1', ''])(
    'a client with AWS_REGION=%s finds the table and demo users the dev server made',
    async (region) => {
      const doc = createDocumentClient({ DYNAMODB_ENDPOINT: process.env.TEST_STORE_ENDPOINT, AWS_REGION: region });
      const out = await doc.send(new GetCommand({ TableName: app.tableName, Key: userKey('johndoe') }));
      expect(out.Item?.username).toBe('johndoe');
      doc.destroy();
    },
  );
});
