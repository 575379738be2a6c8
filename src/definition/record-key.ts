/**
 * The dedup record key, `tenant#type#dedupKey` (docs/design.md#dedup-semantics):
 * the consumer claims a task under it (src/runtime/envelope.ts), its success
 * line leaves it out when it is the default one (success-line.ts), and the
 * task lookup and the Logs Insights queries read it back.
 */

/** `tenant#type#dedupKey`, for a reader who knows the three (`tasklanes task --tenant --type --dedup-key`). */
export function recordKey(tenant: string, type: string, dedupKey: string): string {
  return `${tenant}#${type}#${dedupKey}`;
}

/**
 * The three parts of a record key, or undefined when it has fewer. The
 * split is unambiguous: a tenant has no `#` (the envelope schema) and
 * neither has a type name (the registry), while the dedup key may. A key
 * of a type name with `#` names no task that ever ran.
 */
export function recordKeyParts(key: string): { tenant: string; type: string; dedupKey: string } | undefined {
  const [tenant, type, ...rest] = key.split('#');
  return type === undefined || rest.length === 0 ? undefined : { tenant: tenant!, type, dedupKey: rest.join('#') };
}
