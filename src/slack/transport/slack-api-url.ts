/**
 * The Web API client options for a custom base URL (SLACK_API_URL): the client joins method names onto it, so it
 * must end with `/`. Shared by Bolt's client and ours so both talk to the same Slack (or local stand-in).
 */
export function slackApiUrlOption(slackApiUrl: string | undefined): { slackApiUrl?: string } {
  if (!slackApiUrl) return {};
  return { slackApiUrl: slackApiUrl.endsWith('/') ? slackApiUrl : `${slackApiUrl}/` };
}
