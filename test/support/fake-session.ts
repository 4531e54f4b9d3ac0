import type { Session } from '../../provider/guard/types';

/**
 * A guard Session for protocol tests that drive createProvider with a fake guard: a first hop of a
 * Create the stack shows CREATE_IN_PROGRESS, whose every lease step answers; a test overrides
 * what it is about.
 */
export function fakeSession(over: Partial<Session> = {}): Session {
  return {
    operationStart: Date.now(),
    chainId: 'chain-1',
    hop: 0,
    isContinuation: false,
    background: false,
    stack: { status: 'CREATE_IN_PROGRESS', replaced: false, keeps: async () => true, resource: async () => undefined },
    assertCurrent: async () => undefined,
    seal: async (checkpoint, physicalResourceId, background) => ({ checkpoint, physicalResourceId, background }),
    answerEarly: async () => ({ kind: 'answer' }),
    remember: async () => undefined,
    settle: async () => ({ kind: 'answer' }),
    ...over,
  };
}
