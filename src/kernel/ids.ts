import { z } from 'zod';

/** Incident ids as the store allocates them (`INC-<counter>`) and people type them. */
export const INCIDENT_ID = /^INC-\d+$/;

/** Proposal ids as diagnosis mints them (`P-<random hex>`); they travel in Slack button values. */
export const PROPOSAL_ID = /^P-[a-z0-9-]+$/;

/**
 * A Slack user id: `U…` for workspace members, `W…` for Enterprise Grid users. Unanchored, so mention patterns
 * (`<@U123|name>`) can embed it.
 */
export const SLACK_USER_ID_PART = '[UW][A-Z0-9]+';
export const SLACK_USER_ID = new RegExp(`^${SLACK_USER_ID_PART}$`);

export const IncidentIdSchema = z.string().regex(INCIDENT_ID);
export const ProposalIdSchema = z.string().regex(PROPOSAL_ID);
export const SlackUserIdSchema = z.string().regex(SLACK_USER_ID);
