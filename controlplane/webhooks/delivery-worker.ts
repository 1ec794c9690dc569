// Delivers the webhook outbox. Each tick claims due rows with FOR UPDATE SKIP LOCKED (several
// control planes never send the same row at once), leases them, POSTs them signed, and records
// the outcome: delivered, or tried again with backoff until the retry window (24 h) is over.
// Receivers are called under the egress policy, redirects are not followed, and what is recorded
// of an attempt is its status and a category, never the receiver's body (test_webhook shows it).
import { and, asc, eq, inArray, lte, sql } from "drizzle-orm";
import type { SecretBox } from "#shared/crypto/secret-box.ts";
import { failureCategory, httpCategory } from "#shared/egress/outcome.ts";
import type { EgressPolicy } from "#shared/egress/policy.ts";
import type { Logger } from "#shared/log.ts";
import type { Database } from "../db/client.ts";
import {
  type WebhookDeliveryRow,
  type WebhookRow,
  webhookDeliveries,
  webhooks,
} from "../db/schema/index.ts";
import { retryDelayMs } from "./backoff.ts";
import type { WebhookEnvelope } from "./enqueue.ts";
import { signatureHeaders } from "./signing.ts";
import { isSlackUrl, slackMessage } from "./slack.ts";

export interface WebhookWorkerOptions {
  db: Database;
  secretBox: SecretBox;
  pollMs: number;
  backoffBaseMs: number;
  retryWindowMs: number;
  timeoutMs: number;
  batchSize?: number;
  log?: Logger;
  /** Where receivers may be; without one, anywhere. */
  egress?: EgressPolicy;
  fetch?: typeof fetch;
  random?: () => number;
}

type Claimed = { delivery: WebhookDeliveryRow; webhook: WebhookRow };

export class WebhookDeliveryWorker {
  #timer: ReturnType<typeof setTimeout> | null = null;
  #running: Promise<number> | null = null;
  #stopped = true;

  constructor(readonly options: WebhookWorkerOptions) {}

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => {});
  }

  /** Claims and delivers what is due now; returns how many deliveries were attempted. */
  async runOnce(): Promise<number> {
    const claimed = await this.#claim();
    await Promise.all(claimed.map((row) => this.#deliver(row)));
    return claimed.length;
  }

  /** Attempts one delivery at once if it is pending and nobody else holds it. */
  async deliverNow(deliveryId: string): Promise<void> {
    const claimed = await this.#claim(deliveryId);
    await Promise.all(claimed.map((row) => this.#deliver(row)));
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(async () => {
      this.#running = this.runOnce().catch((error) => {
        this.options.log?.(`webhook delivery tick failed: ${(error as Error).message}`);
        return 0;
      });
      const attempted = await this.#running;
      this.#running = null;
      // A full batch means more may be due: go again at once.
      this.#schedule(attempted >= this.#batchSize ? 0 : this.options.pollMs);
    }, delayMs);
  }

  get #batchSize(): number {
    return this.options.batchSize ?? 20;
  }

  async #claim(onlyId?: string): Promise<Claimed[]> {
    const { db, timeoutMs } = this.options;
    return db.transaction(async (transaction) => {
      const due = await transaction
        .select({ delivery: webhookDeliveries, webhook: webhooks })
        .from(webhookDeliveries)
        .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhook_id))
        .where(
          and(
            eq(webhookDeliveries.status, "pending"),
            eq(webhooks.enabled, true),
            onlyId
              ? eq(webhookDeliveries.id, onlyId)
              : lte(webhookDeliveries.next_attempt_at, sql`now()`),
          ),
        )
        .orderBy(asc(webhookDeliveries.next_attempt_at))
        .limit(this.#batchSize)
        .for("update", { of: webhookDeliveries, skipLocked: true });
      if (due.length === 0) return [];
      // The lease: if this process dies mid-attempt, the row comes due again after it.
      const leaseUntil = new Date(Date.now() + timeoutMs + 30_000);
      await transaction
        .update(webhookDeliveries)
        .set({
          attempts: sql`${webhookDeliveries.attempts} + 1`,
          next_attempt_at: leaseUntil,
          last_attempt_at: new Date(),
        })
        .where(
          inArray(
            webhookDeliveries.id,
            due.map((row) => row.delivery.id),
          ),
        );
      return due.map((row) => ({
        webhook: row.webhook,
        delivery: { ...row.delivery, attempts: row.delivery.attempts + 1 },
      }));
    });
  }

  async #deliver({ delivery, webhook }: Claimed): Promise<void> {
    const now = new Date();
    if (now.getTime() - delivery.created_at.getTime() > this.options.retryWindowMs) {
      await this.#record(delivery.id, {
        status: "failed",
        last_error: "expired: not delivered within the retry window",
      });
      return;
    }
    const envelope = delivery.payload as unknown as WebhookEnvelope;
    const body = JSON.stringify(isSlackUrl(webhook.url) ? slackMessage(envelope) : envelope);
    const headers = {
      "content-type": "application/json",
      "user-agent": "modelux-webhooks/1",
      "x-modelux-event": delivery.event_type,
      "x-modelux-delivery": delivery.id,
      ...signatureHeaders({
        messageId: delivery.event_id,
        timestamp: now,
        body,
        secrets: this.#secrets(webhook, now),
      }),
    };
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      await this.options.egress?.check(webhook.url);
      const response = await (this.options.fetch ?? fetch)(webhook.url, {
        method: "POST",
        headers,
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      statusCode = response.status;
      await response.body?.cancel().catch(() => {});
      if (!response.ok) error = httpCategory(response.status);
    } catch (thrown) {
      error = failureCategory(thrown, this.options.timeoutMs);
    }
    const outcome = {
      last_status_code: statusCode,
      last_response_body: null,
      last_error: error,
    };
    if (!error) {
      await this.#record(delivery.id, {
        ...outcome,
        status: "delivered",
        delivered_at: new Date(),
      });
      return;
    }
    const delay = retryDelayMs(delivery.attempts, this.options.backoffBaseMs, this.options.random);
    const next = new Date(Date.now() + delay);
    const windowEnds = delivery.created_at.getTime() + this.options.retryWindowMs;
    if (next.getTime() > windowEnds) {
      await this.#record(delivery.id, { ...outcome, status: "failed" });
      this.options.log?.(
        `webhook delivery ${delivery.id} failed after ${delivery.attempts} attempts`,
      );
    } else {
      await this.#record(delivery.id, { ...outcome, next_attempt_at: next });
    }
  }

  #secrets(webhook: WebhookRow, now: Date): string[] {
    const { secretBox } = this.options;
    const secrets = [secretBox.decrypt(webhook.signing_secret_ciphertext)];
    if (
      webhook.previous_secret_ciphertext &&
      webhook.previous_secret_expires_at &&
      webhook.previous_secret_expires_at > now
    ) {
      secrets.push(secretBox.decrypt(webhook.previous_secret_ciphertext));
    }
    return secrets;
  }

  async #record(id: string, values: Partial<typeof webhookDeliveries.$inferInsert>) {
    await this.options.db.update(webhookDeliveries).set(values).where(eq(webhookDeliveries.id, id));
  }
}
