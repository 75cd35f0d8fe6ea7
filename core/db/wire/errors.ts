/**
 * DynamoDB's error answers as the SDK's own exception classes, so code that catches them
 * (`instanceof TransactionCanceledException`, its `CancellationReasons`, `name` for the retry
 * classification) cannot tell which transport sent the request. A JSON-protocol error is an HTTP
 * status with `{"__type": "<namespace>#<Name>", "message": "..."}` and the exception's members
 * (e.g. `CancellationReasons`, `Item`); a name the SDK has no class for becomes a
 * DynamoDBServiceException of that name, as the SDK does.
 */
import {
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  IdempotentParameterMismatchException,
  InternalServerError,
  InvalidEndpointException,
  ItemCollectionSizeLimitExceededException,
  ProvisionedThroughputExceededException,
  ReplicatedWriteConflictException,
  RequestLimitExceeded,
  ResourceNotFoundException,
  ThrottlingException,
  TransactionCanceledException,
  TransactionConflictException,
  TransactionInProgressException,
} from "@aws-sdk/client-dynamodb";
import { fromWire } from "./binary";

type ExceptionClass = new (options: never) => DynamoDBServiceException;

/** The exceptions GetItem and TransactWriteItems can answer with (the others are control-plane). */
const CLASSES: Record<string, ExceptionClass> = {
  ConditionalCheckFailedException,
  IdempotentParameterMismatchException,
  InternalServerError,
  InvalidEndpointException,
  ItemCollectionSizeLimitExceededException,
  ProvisionedThroughputExceededException,
  ReplicatedWriteConflictException,
  RequestLimitExceeded,
  ResourceNotFoundException,
  ThrottlingException,
  TransactionCanceledException,
  TransactionConflictException,
  TransactionInProgressException,
};

export type WireResponse = { statusCode: number; headers: Record<string, string | string[] | undefined> };

/** The exception for a non-200 answer: its status, headers and body text. */
export function serviceError(response: WireResponse, text: string): DynamoDBServiceException {
  let body: Record<string, unknown> = {};
  try {
    body = fromWire(JSON.parse(text)) as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's or load balancer's page): the status alone classifies it.
  }
  const header = response.headers["x-amzn-errortype"];
  const type = String(body.__type ?? body.code ?? (typeof header === "string" ? header : "") ?? "");
  // "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException" or "Name:http://...".
  const name = type.split("#").pop()!.split(":")[0]! || `Http${response.statusCode}Error`;
  const message = String(body.message ?? body.Message ?? name);
  const requestId = response.headers["x-amzn-requestid"];
  const $metadata = {
    httpStatusCode: response.statusCode,
    ...(typeof requestId === "string" ? { requestId } : {}),
  };
  const { message: _m, Message: _M, ...members } = body;
  const Known = CLASSES[name];
  // Constructed without its message and given it after, as the SDK does (an enumerable member);
  // a name without a class is the service's base exception of that name.
  const error = Known
    ? Object.assign(new Known({ $metadata } as never), { message }, members)
    : Object.assign(
        new DynamoDBServiceException({
          name,
          $fault: response.statusCode >= 500 ? "server" : "client",
          $metadata,
        } as never),
        { message },
      );
  // The SDK's decoration: the body's other fields where unset (e.g. __type), `message`, never `Message`.
  const fields = error as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(body))
    if (value !== undefined && (fields[key] === undefined || fields[key] === "")) fields[key] = value;
  fields.message = message;
  delete fields.Message;
  return error;
}
