import { z } from 'zod';

/** Alertmanager sends `0001-01-01T00:00:00Z` as endsAt while an alert fires. */
const Timestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an RFC 3339 timestamp');
const LabelSet = z.record(z.string(), z.string());

export const AlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: LabelSet.refine((l) => typeof l.alertname === 'string' && l.alertname.length > 0, 'must have alertname'),
  annotations: LabelSet.default({}),
  startsAt: Timestamp,
  endsAt: Timestamp,
  generatorURL: z.string().default(''),
  fingerprint: z.string().min(1),
});

/** Alertmanager webhook payload, version 4 (prometheus.io/docs/alerting/latest/configuration/#webhook_config). */
export const WebhookSchema = z.object({
  version: z.literal('4'),
  groupKey: z.string().min(1),
  /** How many alerts of the group Alertmanager left out (`webhook_configs.max_alerts`); 0 when none. */
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: LabelSet,
  commonLabels: LabelSet,
  commonAnnotations: LabelSet.default({}),
  externalURL: z.string(),
  // No upper bound: Alertmanager sends a whole group (thousands of alerts) unless `max_alerts` caps it, and a 4xx
  // would make it drop the notification for good. The body limit bounds the size instead.
  alerts: z.array(AlertSchema).min(1),
});

export type Alert = z.infer<typeof AlertSchema>;
export type Webhook = z.infer<typeof WebhookSchema>;

/** One entry per invalid field, e.g. `{ field: "alerts.0.status", message: "…" }`. */
export interface FieldError {
  field: string;
  message: string;
}

export type WebhookParse = { ok: true; webhook: Webhook } | { ok: false; errors: FieldError[] };

export function parseWebhook(body: unknown): WebhookParse {
  const result = WebhookSchema.safeParse(body);
  if (result.success) return { ok: true, webhook: result.data };
  return {
    ok: false,
    errors: result.error.issues.map((i) => ({
      field: i.path.map(String).join('.') || '(body)',
      message: i.message,
    })),
  };
}
