CREATE TABLE "provider_circuit_health" (
	"provider_id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"state" text NOT NULL,
	"changed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "provider_circuit_health" ADD CONSTRAINT "provider_circuit_health_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_circuit_health" ADD CONSTRAINT "provider_circuit_health_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;