CREATE TABLE "gateway_batch_lines" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"batch_id" text NOT NULL,
	"line_index" integer NOT NULL,
	"custom_id" text NOT NULL,
	"body" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"not_before" timestamp with time zone,
	"claimed_at" timestamp with time zone,
	"request_id" text,
	"status_code" integer,
	"response" jsonb,
	"error" jsonb,
	"cost_usd" numeric(20, 10),
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "gateway_batches" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"project_id" text NOT NULL,
	"key_id" text NOT NULL,
	"surface" text NOT NULL,
	"endpoint" text NOT NULL,
	"status" text NOT NULL,
	"end_reason" text,
	"reason" text NOT NULL,
	"input_file_id" text,
	"metadata" jsonb,
	"deadline_at" timestamp with time zone,
	"spend_cap_usd" numeric(20, 10),
	"total_lines" integer NOT NULL,
	"lease_owner" text,
	"lease_until" timestamp with time zone,
	"cancel_requested_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "gateway_batch_lines" ADD CONSTRAINT "gateway_batch_lines_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gateway_batch_lines" ADD CONSTRAINT "gateway_batch_lines_batch_id_gateway_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."gateway_batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gateway_batches" ADD CONSTRAINT "gateway_batches_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gateway_batches" ADD CONSTRAINT "gateway_batches_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "gateway_batch_lines_batch_idx" ON "gateway_batch_lines" USING btree ("batch_id","status","line_index");--> statement-breakpoint
CREATE INDEX "gateway_batches_project_idx" ON "gateway_batches" USING btree ("project_id","created_at");--> statement-breakpoint
CREATE INDEX "gateway_batches_status_idx" ON "gateway_batches" USING btree ("status");