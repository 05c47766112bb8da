import { describe, expect, it } from 'vitest';
import { slackApiUrlOption } from '../../../../src/slack/transport/slack-api-url.js';

describe('slackApiUrlOption', () => {
  it('leaves the client on Slack when no base URL is given', () => {
    expect(slackApiUrlOption(undefined)).toEqual({});
    expect(slackApiUrlOption('')).toEqual({});
  });

  it('ends the base URL with one slash, so method names join onto it', () => {
    expect(slackApiUrlOption('http://127.0.0.1:4000/api')).toEqual({ slackApiUrl: 'http://127.0.0.1:4000/api/' });
    expect(slackApiUrlOption('http://127.0.0.1:4000/api/')).toEqual({ slackApiUrl: 'http://127.0.0.1:4000/api/' });
  });
});
