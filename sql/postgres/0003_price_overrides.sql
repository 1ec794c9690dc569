CREATE TABLE "price_overrides" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"vendor" text NOT NULL,
	"model" text NOT NULL,
	"input" numeric(20, 10) NOT NULL,
	"output" numeric(20, 10) NOT NULL,
	"cache_read" numeric(20, 10),
	"cache_write" numeric(20, 10),
	"reasoning" numeric(20, 10),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "price_overrides" ADD CONSTRAINT "price_overrides_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "price_overrides_org_vendor_model_unique" ON "price_overrides" USING btree ("org_id","vendor","model");