// What our code imports from "@aws-sdk/client-dynamodb", from the files that define it (stacks/bundle-plugins.mjs).
export * from "@aws-sdk/client-dynamodb/dist-es/models/errors.js";
export { DynamoDBServiceException } from "@aws-sdk/client-dynamodb/dist-es/models/DynamoDBServiceException.js";
