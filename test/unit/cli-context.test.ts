import { describe, expect, it } from '@jest/globals';
import { isLocalStore } from '../../lib/cli/cli-context.js';

describe('isLocalStore (which DynamoDB endpoint is local mode\'s store)', () => {
  it.each([
    ['http://127.0.0.1:8000', true],
    ['http://localhost:8000', true],
    ['http://[::1]:8000', true],
    ['https://dynamodb-fips.us-east-1.amazonaws.com', false],
    ['https://vpce-0123.dynamodb.eu-west-1.vpce.amazonaws.com', false],
    [undefined, false],
  ])('%s → %s: only a store on this machine leaves the timers to the local server', (endpoint, local) => {
    expect(isLocalStore(endpoint)).toBe(local);
  });
});
