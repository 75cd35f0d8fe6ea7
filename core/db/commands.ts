/**
 * The document client's commands, named and filled in without loading the AWS SDK: `db.doc.send`
 * (core/db/client.ts) loads the SDK (./sdk.ts) on the first command it sends and sends the SDK's
 * own command of that name with the same input, through the same middleware. So the GraphQL
 * Lambda's cold start does not load the SDK (about 230 KB of its bundle): a steady-state track and a
 * check go through the wire transport (./wire/) and never send one of these.
 *
 * Call sites read as they would with the SDK's classes (`new` and the class name), which
 * test/infra/stacks.test.ts reads to derive each function's IAM actions.
 */
import type * as lib from "@aws-sdk/lib-dynamodb";

/** The SDK's document-client command classes by name (./sdk.ts's SDK_COMMANDS). */
export type CommandName =
  | "GetCommand"
  | "PutCommand"
  | "UpdateCommand"
  | "DeleteCommand"
  | "QueryCommand"
  | "BatchGetCommand"
  | "BatchWriteCommand"
  | "TransactWriteCommand";

export abstract class Command<I, O> {
  /** The SDK's class this stands for (a string: class names are not kept in the bundles). */
  abstract readonly sdkName: CommandName;
  /** Only the type: what `send` resolves with. */
  declare readonly output: O;
  constructor(readonly input: I) {}
}

export class GetCommand extends Command<lib.GetCommandInput, lib.GetCommandOutput> {
  readonly sdkName = "GetCommand";
}
export class PutCommand extends Command<lib.PutCommandInput, lib.PutCommandOutput> {
  readonly sdkName = "PutCommand";
}
export class UpdateCommand extends Command<lib.UpdateCommandInput, lib.UpdateCommandOutput> {
  readonly sdkName = "UpdateCommand";
}
export class DeleteCommand extends Command<lib.DeleteCommandInput, lib.DeleteCommandOutput> {
  readonly sdkName = "DeleteCommand";
}
export class QueryCommand extends Command<lib.QueryCommandInput, lib.QueryCommandOutput> {
  readonly sdkName = "QueryCommand";
}
export class BatchGetCommand extends Command<lib.BatchGetCommandInput, lib.BatchGetCommandOutput> {
  readonly sdkName = "BatchGetCommand";
}
export class BatchWriteCommand extends Command<lib.BatchWriteCommandInput, lib.BatchWriteCommandOutput> {
  readonly sdkName = "BatchWriteCommand";
}
export class TransactWriteCommand extends Command<lib.TransactWriteCommandInput, lib.TransactWriteCommandOutput> {
  readonly sdkName = "TransactWriteCommand";
}

export type { QueryCommandInput, TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
