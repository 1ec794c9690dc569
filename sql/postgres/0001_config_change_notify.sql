-- Any write to what a config snapshot is compiled from wakes the control plane's publisher,
-- whichever code path (Management API, a script, psql) made it. The payload is the table name.
CREATE OR REPLACE FUNCTION modelux_notify_config_change() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('modelux_config_changed', TG_TABLE_NAME);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER orgs_config_change AFTER INSERT OR UPDATE OR DELETE ON orgs
  FOR EACH STATEMENT EXECUTE FUNCTION modelux_notify_config_change();
--> statement-breakpoint
CREATE TRIGGER projects_config_change AFTER INSERT OR UPDATE OR DELETE ON projects
  FOR EACH STATEMENT EXECUTE FUNCTION modelux_notify_config_change();
--> statement-breakpoint
CREATE TRIGGER api_keys_config_change AFTER INSERT OR UPDATE OR DELETE ON api_keys
  FOR EACH STATEMENT EXECUTE FUNCTION modelux_notify_config_change();
--> statement-breakpoint
CREATE TRIGGER providers_config_change AFTER INSERT OR UPDATE OR DELETE ON providers
  FOR EACH STATEMENT EXECUTE FUNCTION modelux_notify_config_change();
--> statement-breakpoint
CREATE TRIGGER routing_configs_config_change AFTER INSERT OR UPDATE OR DELETE ON routing_configs
  FOR EACH STATEMENT EXECUTE FUNCTION modelux_notify_config_change();
--> statement-breakpoint
CREATE TRIGGER routing_config_versions_config_change AFTER INSERT OR UPDATE OR DELETE ON routing_config_versions
  FOR EACH STATEMENT EXECUTE FUNCTION modelux_notify_config_change();
--> statement-breakpoint
CREATE TRIGGER budgets_config_change AFTER INSERT OR UPDATE OR DELETE ON budgets
  FOR EACH STATEMENT EXECUTE FUNCTION modelux_notify_config_change();
