import { IConstruct } from 'constructs';

/**
 * Where a child construct's props came from, so that its errors name them as its parent's user wrote them
 * (`database.minCapacity` on `LlmGateway`, `minCapacity` on a `GatewayDatabase` of one's own). Each construct then
 * validates its props once, in one place.
 */
const prefixes = new WeakMap<IConstruct, Map<string, string>>();

/** Records that the child `childId` of `scope` takes its props from the parent's prop `prefix` (e.g. `database.`). */
export function namePropsOf(scope: IConstruct, childId: string, prefix: string): void {
  const byId = prefixes.get(scope) ?? new Map<string, string>();
  byId.set(childId, prefix);
  prefixes.set(scope, byId);
}

/** The prefix under which the construct about to be created as `scope`/`id` names its props ('' when created directly). */
export function propPrefix(scope: IConstruct, id: string): string {
  return prefixes.get(scope)?.get(id) ?? '';
}
