ALTER TABLE "provider_circuit_health" DROP CONSTRAINT "provider_circuit_health_org_id_orgs_id_fk";
--> statement-breakpoint
ALTER TABLE "provider_circuit_health" DROP COLUMN "org_id";