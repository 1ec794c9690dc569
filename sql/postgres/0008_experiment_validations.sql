CREATE TABLE "experiment_validations" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"experiment_id" text NOT NULL,
	"project_id" text NOT NULL,
	"routing_config_id" text NOT NULL,
	"config_slug" text NOT NULL,
	"config_version" integer NOT NULL,
	"promoted_at" timestamp with time zone NOT NULL,
	"window_ms" integer NOT NULL,
	"window_end" timestamp with time zone NOT NULL,
	"deadline_at" timestamp with time zone NOT NULL,
	"min_requests" integer NOT NULL,
	"predicted" jsonb NOT NULL,
	"filters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"actual" jsonb,
	"errors" jsonb,
	"superseded_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "experiment_validations" ADD CONSTRAINT "experiment_validations_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "experiment_validations" ADD CONSTRAINT "experiment_validations_experiment_id_experiments_id_fk" FOREIGN KEY ("experiment_id") REFERENCES "public"."experiments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "experiment_validations_config_version_unique" ON "experiment_validations" USING btree ("routing_config_id","config_version");--> statement-breakpoint
CREATE INDEX "experiment_validations_pending_idx" ON "experiment_validations" USING btree ("status","window_end");--> statement-breakpoint
CREATE INDEX "experiment_validations_experiment_idx" ON "experiment_validations" USING btree ("experiment_id","created_at");