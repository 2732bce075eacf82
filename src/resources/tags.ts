// Every service spells its tag parameter differently; the lab's tags are one map.
export type Tags = Record<string, string>;

export function tagList(tags: Tags): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}
