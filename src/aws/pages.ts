// Every item of a paged listing, read with one of the SDK's paginators (paginateListRoles,
// paginateGetRestApis, …), which follow each service's own token (Marker and IsTruncated,
// NextToken, NextMarker, position, PaginationToken) until the last page.
export async function allPages<P, T>(pages: AsyncIterable<P>, items: (page: P) => readonly T[] | undefined): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...(items(page) ?? []));
  return all;
}
