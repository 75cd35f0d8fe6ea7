/**
 * Reads DynamoDB Local's table stream and hands each batch of records to a consumer (the rollup
 * aggregator, core/ai-costs/aggregate.ts): what an event source mapping does on AWS, for
 * `npm start` (on an interval) and the tests (`drain`, after their writes). Each shard is read
 * from its start the first time and after the last record handled since; the shard list is read
 * again on every poll, so new shards are followed. A batch the consumer fails is read again.
 */
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
} from "@aws-sdk/client-dynamodb-streams";
import type { Db } from "../../core/db/client";
import type { StreamRecord } from "../../core/ai-costs/aggregate";

export type StreamPoller = {
  /** Reads every shard up to its end once; returns how many records were handed over. */
  poll: () => Promise<number>;
  /** Polls until a poll finds nothing new (after a test's writes). */
  drain: () => Promise<number>;
  stop: () => void;
};

export function streamPoller(db: Db, consume: (records: StreamRecord[]) => Promise<unknown>): StreamPoller {
  const config = db.raw.config;
  const streams = new DynamoDBStreamsClient({
    region: config.region,
    endpoint: config.endpoint,
    credentials: config.credentials,
  });
  /** Per shard: the last sequence number handed over. */
  const positions = new Map<string, string>();
  let streamArn: string | undefined;
  let polling: Promise<number> | undefined;

  const readShard = async (shardId: string): Promise<number> => {
    const after = positions.get(shardId);
    let { ShardIterator: iterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ...(after
          ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: after }
          : { ShardIteratorType: "TRIM_HORIZON" }),
      }),
    );
    let handed = 0;
    while (iterator) {
      const { Records = [], NextShardIterator } = await streams.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }),
      );
      if (!Records.length) break;
      await consume(Records as StreamRecord[] & _Record[]);
      positions.set(shardId, Records.at(-1)!.dynamodb!.SequenceNumber!);
      handed += Records.length;
      iterator = NextShardIterator;
    }
    return handed;
  };

  const pollOnce = async (): Promise<number> => {
    streamArn ??= (await db.raw.send(new DescribeTableCommand({ TableName: db.table }))).Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`table ${db.table} has no stream`);
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    let handed = 0;
    for (const shard of StreamDescription?.Shards ?? []) handed += await readShard(shard.ShardId!);
    return handed;
  };

  // One poll at a time: an interval tick and a drain never read the same records twice at once.
  const poll = () => {
    polling = (polling ?? Promise.resolve(0)).catch(() => 0).then(pollOnce);
    return polling;
  };

  return {
    poll,
    drain: async () => {
      let total = 0;
      for (;;) {
        const handed = await poll();
        total += handed;
        if (handed === 0) return total;
      }
    },
    stop: () => streams.destroy(),
  };
}
