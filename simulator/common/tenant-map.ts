// Objects a simulated vendor keeps per tenant (the credential that made them): a batch is only
// ever seen by the key that created it; another key's id is a 404, as at the vendors.
export class TenantMap<T extends { id: string }> {
  readonly #byTenant = new Map<string, Map<string, T>>();

  set(tenant: string, item: T): void {
    let items = this.#byTenant.get(tenant);
    if (!items) {
      items = new Map();
      this.#byTenant.set(tenant, items);
    }
    items.set(item.id, item);
  }

  get(tenant: string, id: string): T | undefined {
    return this.#byTenant.get(tenant)?.get(id);
  }

  delete(tenant: string, id: string): boolean {
    return this.#byTenant.get(tenant)?.delete(id) ?? false;
  }

  /** Oldest first. */
  list(tenant: string): T[] {
    return [...(this.#byTenant.get(tenant)?.values() ?? [])];
  }

  /** Every tenant's items (the control API finds a batch by id alone). */
  *all(): Iterable<T> {
    for (const items of this.#byTenant.values()) yield* items.values();
  }
}
