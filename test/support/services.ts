// Tests that need the real Postgres and NATS run unless a developer says the services are
// absent with MODELUX_TEST_SERVICES=absent. CI never sets it, so they never skip there.
export const servicesAbsent = process.env.MODELUX_TEST_SERVICES === "absent";
export const natsUrl = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
export const adminDatabaseUrl =
  process.env.MODELUX_TEST_DATABASE_URL ?? "postgres://root@127.0.0.1:5432/postgres";
