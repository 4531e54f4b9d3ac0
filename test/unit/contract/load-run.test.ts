/**
 * Distributed-load execution names (contract/load-run.ts): valid Step Functions execution names
 * (at most 80 characters of letters, digits, '-' and '_': API reference, StartExecution), one per
 * request, and all of one resource's under one prefix that no other resource's shares.
 */
import { loadRunName, loadRunPrefix } from '../../../contract/load-run';

const STACK = 'arn:aws:cloudformation:us-east-1:123456789012:stack/shop/0a1b2c3d-4e5f-6789-abcd-ef0123456789';

test('a name is a valid execution name under its resource prefix, the same for the same request and different for another', () => {
  const a = loadRunName(STACK, 'SeedLoad', 'req-1');
  expect(a).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  expect(a.startsWith(loadRunPrefix(STACK, 'SeedLoad'))).toBe(true);
  expect(loadRunName(STACK, 'SeedLoad', 'req-1')).toBe(a);
  expect(loadRunName(STACK, 'SeedLoad', 'req-2')).not.toBe(a);
  expect(loadRunName(STACK, 'SeedLoad', 'req-2').startsWith(loadRunPrefix(STACK, 'SeedLoad'))).toBe(true);
});

test("another resource's, or another stack's, names do not share the prefix", () => {
  const prefix = loadRunPrefix(STACK, 'SeedLoad');
  expect(loadRunName(STACK, 'SeedLoad2', 'req-1').startsWith(prefix)).toBe(false);
  expect(loadRunName(STACK.replace('/shop/', '/shop2/'), 'SeedLoad', 'req-1').startsWith(prefix)).toBe(false);
});
