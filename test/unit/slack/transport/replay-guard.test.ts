import { describe, expect, it } from 'vitest';
import { MAX_FUTURE_SKEW_SECONDS } from '../../../../src/http/edge-server.js';
import { REPLAY_WINDOW_SECONDS } from '../../../../src/slack/transport/replay-guard.js';

describe('replay window', () => {
  it('outlasts every signature the edge accepts: 5 minutes old (Bolt) to the allowed future skew (edge)', () => {
    expect(REPLAY_WINDOW_SECONDS).toBeGreaterThanOrEqual(300 + MAX_FUTURE_SKEW_SECONDS);
  });
});
