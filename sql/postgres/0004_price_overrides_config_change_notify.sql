-- Price overrides are compiled into the config snapshot too, so a write to them wakes the
-- publisher like the tables in 0001 (same function, same channel, payload = table name).
CREATE TRIGGER price_overrides_config_change AFTER INSERT OR UPDATE OR DELETE ON price_overrides
  FOR EACH STATEMENT EXECUTE FUNCTION modelux_notify_config_change();
