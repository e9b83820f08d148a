import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from '../client';

/**
 * Every item of the table (or of one segment of a parallel scan), page by page. A Scan: for operators' tools
 * (the data check, the reports' rebuild), never a request path.
 */
export async function* scanTable(
  ctx: StoreContext,
  options: { segment?: { index: number; of: number }; consistentRead?: boolean } = {},
): AsyncGenerator<Record<string, unknown>[]> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ctx.doc.send(
      new ScanCommand({
        TableName: ctx.tableName,
        Segment: options.segment?.index,
        TotalSegments: options.segment?.of,
        ConsistentRead: options.consistentRead,
        ExclusiveStartKey: startKey,
      }),
    );
    yield page.Items ?? [];
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}
