import { describe, expect, it } from 'vitest';
import { BUSY_MESSAGE, chooseNewPassword, MAX_WAITING_CHECKS } from './passwords.js';

describe('the password check under a flood', () => {
  it('asks the surplus of checks sent at once to try again, instead of queueing them without end', async () => {
    const sent = MAX_WAITING_CHECKS + 8;
    const results = await Promise.all(Array.from({ length: sent }, (_, i) => chooseNewPassword(`lantern orchard ${i} quietly`, { email: 'someone@example.org' })));
    const busy = results.filter((r) => !r.ok && r.message === BUSY_MESSAGE);
    expect(busy).toHaveLength(sent - MAX_WAITING_CHECKS);
    expect(results.filter((r) => r.ok)).toHaveLength(MAX_WAITING_CHECKS);
    // Once the queue is worked off, the next check is taken again.
    expect((await chooseNewPassword('lantern orchard again quietly', { email: 'someone@example.org' })).ok).toBe(true);
  });
});
