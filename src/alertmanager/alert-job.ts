import { z } from 'zod';
import { WebhookSchema } from './webhook-schema.js';

/** An `alerts` job: one Alertmanager notification as received (jobs/catalog.ts lists it). */
export const AlertJobSchema = z.object({ webhook: WebhookSchema, receivedAt: z.string() });
export type AlertJob = z.output<typeof AlertJobSchema>;
