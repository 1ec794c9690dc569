CREATE TABLE "idempotency_keys" (
	"management_key_id" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"status_code" integer,
	"response" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_management_key_id_key_pk" PRIMARY KEY("management_key_id","key")
);
--> statement-breakpoint
CREATE TABLE "management_rate_limits" (
	"management_key_id" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "management_rate_limits_management_key_id_window_start_pk" PRIMARY KEY("management_key_id","window_start")
);
--> statement-breakpoint
ALTER TABLE "management_keys" ADD COLUMN "rpm_limit" integer;--> statement-breakpoint
ALTER TABLE "providers" ADD COLUMN "last_verification" jsonb;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "last_response_body" text;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "last_attempt_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "replay_of" text;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_management_key_id_management_keys_id_fk" FOREIGN KEY ("management_key_id") REFERENCES "public"."management_keys"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "management_rate_limits" ADD CONSTRAINT "management_rate_limits_management_key_id_management_keys_id_fk" FOREIGN KEY ("management_key_id") REFERENCES "public"."management_keys"("id") ON DELETE cascade ON UPDATE no action;