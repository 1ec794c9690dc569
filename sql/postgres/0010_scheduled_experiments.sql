CREATE TABLE "scheduled_experiment_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"scheduled_experiment_id" text NOT NULL,
	"experiment_id" text,
	"trigger" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"scheduled_for" timestamp with time zone NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"window_end" timestamp with time zone NOT NULL,
	"verdict" text,
	"comparison" jsonb,
	"criteria" jsonb,
	"regression_detected" boolean DEFAULT false NOT NULL,
	"signal_key" text,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "scheduled_experiments" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"project_id" text NOT NULL,
	"name" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"cron_expression" text NOT NULL,
	"window_hours" integer NOT NULL,
	"mode" text NOT NULL,
	"baseline_config" text NOT NULL,
	"candidate_config" jsonb NOT NULL,
	"filters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"sample_size" integer,
	"spend_cap_usd" numeric(20, 10),
	"response_comparison" jsonb,
	"hypothesis" text,
	"success_criteria" jsonb NOT NULL,
	"next_run_at" timestamp with time zone,
	"last_run_id" text,
	"last_run_at" timestamp with time zone,
	"last_verdict" text,
	"regression_signal_key" text,
	"regression_run_id" text,
	"regression_detected_at" timestamp with time zone,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "scheduled_experiment_runs" ADD CONSTRAINT "scheduled_experiment_runs_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scheduled_experiment_runs" ADD CONSTRAINT "scheduled_experiment_runs_scheduled_experiment_id_scheduled_experiments_id_fk" FOREIGN KEY ("scheduled_experiment_id") REFERENCES "public"."scheduled_experiments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scheduled_experiment_runs" ADD CONSTRAINT "scheduled_experiment_runs_experiment_id_experiments_id_fk" FOREIGN KEY ("experiment_id") REFERENCES "public"."experiments"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scheduled_experiments" ADD CONSTRAINT "scheduled_experiments_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scheduled_experiments" ADD CONSTRAINT "scheduled_experiments_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "scheduled_experiment_runs_schedule_idx" ON "scheduled_experiment_runs" USING btree ("scheduled_experiment_id","id");--> statement-breakpoint
CREATE INDEX "scheduled_experiment_runs_experiment_idx" ON "scheduled_experiment_runs" USING btree ("experiment_id");--> statement-breakpoint
CREATE INDEX "scheduled_experiments_due_idx" ON "scheduled_experiments" USING btree ("status","next_run_at");--> statement-breakpoint
CREATE INDEX "scheduled_experiments_project_idx" ON "scheduled_experiments" USING btree ("project_id","created_at");