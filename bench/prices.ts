/**
 * Published AWS list prices (us-east-1) the cost figure uses, with the date
 * they were taken from the pricing pages. Prices change: update the numbers
 * and the date together.
 */

export const PRICES = {
  region: 'us-east-1',
  /** When these were read from aws.amazon.com/{sqs,dynamodb,lambda,cloudwatch}/pricing. */
  asOf: '2025-07 (DynamoDB on-demand after the 2024-11-01 reduction)',
  /** Standard queue, per request beyond the first million a month; each 64 KiB of payload is one request. */
  sqsPerMillionRequests: 0.4,
  /** On-demand write request units. */
  dynamodbPerMillionWriteUnits: 0.625,
  /** On-demand read request units. */
  dynamodbPerMillionReadUnits: 0.125,
  /** Per invocation. */
  lambdaPerMillionRequests: 0.2,
  /**
   * Duration on arm64 (the stack deploys Architecture.ARM_64), first 7.5
   * billion GB-seconds a month; billed per invocation in whole milliseconds,
   * rounded up, at the function's memory size.
   */
  lambdaArm64PerGbSecond: 0.0000133334,
  /** Standard log class ingestion: every log line and EMF document a consumer writes. */
  cloudwatchLogsPerGb: 0.5,
} as const;

export const PRICE_SOURCES = [
  'https://aws.amazon.com/sqs/pricing/',
  'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  'https://aws.amazon.com/lambda/pricing/',
  'https://aws.amazon.com/cloudwatch/pricing/',
] as const;
