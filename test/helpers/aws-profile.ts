// AWS's clock: how long AWS takes, after a call has answered, before what it made can be
// used (IAM propagation, resource states), and the account quotas that pace a class. The
// fault proxy applies it by the age of each resource (aws-clock.ts); the benchmark computes
// each command's critical-path floor from it. Each figure names its source; a figure AWS
// does not publish is a documented measurement (an issue thread where people timed it),
// rounded to the usual case: the clock models a typical account, not the worst one.
//
// Tests run it `timeScale` times faster (0.02: IAM's 8 s become 160 ms), so a lab's setup
// under the clock stays well under a second of waiting in the suite.
import type { QuotaRule } from './fault-proxy.js';

export interface AwsProfile {
  name: string;
  /** ms added to every answer: a real service's round trip (moto answers in ~1 ms). Not scaled. */
  roundTripMs: number;
  /** Seconds, each scaled by the time scale. */
  seconds: {
    /** A new role (or a role whose policies just changed) cannot be assumed / used by Lambda or API Gateway. */
    roleUsable: number;
    /** A new customer-managed policy answers NoSuchEntity to AttachRolePolicy. */
    policyAttachable: number;
    /** CreateTable: TableStatus CREATING. */
    tableCreating: number;
    /** UpdateTable (the stream turned on): TableStatus UPDATING, LatestStreamArn not yet given. */
    tableUpdating: number;
    /** CreateFunction: State Pending. */
    functionPending: number;
    /** UpdateFunctionCode / UpdateFunctionConfiguration: LastUpdateStatus InProgress. */
    functionUpdating: number;
    /** CreateEventSourceMapping: State Creating (then Enabled). */
    mappingCreating: number;
    /** UpdateEventSourceMapping: State Updating. */
    mappingUpdating: number;
    /** AddPermission (principal s3.amazonaws.com): S3's PutBucketNotificationConfiguration cannot validate the function yet. */
    permissionVisible: number;
  };
  quotas: QuotaRule[];
}

/**
 * The figures:
 * - roleUsable 8 s: IAM is eventually consistent ("Changes that I make are not always
 *   immediately visible", IAM User Guide, Troubleshooting IAM); Lambda's "The role defined
 *   for the function cannot be assumed by Lambda" right after CreateRole is measured at
 *   5-10 s (aws/aws-cli#7700: "a simple sleep 5 works for me but it seems unreliable";
 *   portkey-cloud/portkey#7 retries for 20 s; marvinpinto/irc-hooky#23 waits 5 s).
 * - policyAttachable 2 s: the same consistency for a new managed policy
 *   (aws/aws-cdk#29908: "changes to IAM policies/roles use eventual consistency").
 * - tableCreating 6 s: "CreateTable is an asynchronous operation ... immediately returns a
 *   response with a TableStatus of CREATING" (DynamoDB API reference, CreateTable); an
 *   on-demand table without indexes is ACTIVE "within a couple seconds"
 *   (hashicorp/terraform-provider-aws#47276), 5-10 s in CloudFormation's event logs.
 * - tableUpdating 4 s: UpdateTable "is an asynchronous operation; while it's executing, the
 *   table status changes from ACTIVE to UPDATING" (DynamoDB API reference, UpdateTable);
 *   enabling a stream takes seconds.
 * - functionPending 2 s, functionUpdating 2 s: "After Lambda creates the function, it sets
 *   the state to pending ... Any invocations or other API actions that operate on the
 *   function will fail"; an update sets LastUpdateStatus InProgress and another update
 *   meanwhile fails (Lambda Developer Guide, "Lambda function states"). Without a VPC both
 *   last 1-3 s (AWS Compute Blog, "Coming soon: Expansion of AWS Lambda states to all functions").
 * - mappingCreating 5 s, mappingUpdating 5 s: CreateEventSourceMapping answers State
 *   Creating; a mapping that is Creating or Updating refuses changes with
 *   ResourceInUseException (Lambda API reference, UpdateEventSourceMapping errors).
 * - permissionVisible 2 s: PutBucketNotificationConfiguration's "Unable to validate the
 *   following destination configurations" right after AddPermission (zappa/Zappa#1441
 *   retries after 1, 2 and 4 s).
 * - quotas: API Gateway, "API Gateway quotas for creating, deploying and managing an API"
 *   (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html): CreateRestApi
 *   1 every 3 s, DeleteRestApi 1 every 30 s, GetResources 5 every 2 s, CreateDeployment 1
 *   every 5 s, all together 10 per second with a burst of 40. Lambda, "Lambda quotas" >
 *   "Lambda API requests": GetFunction 100 per second, GetPolicy 15 per second, the other
 *   control-plane requests together 15 per second (Invoke is the data plane). CloudWatch
 *   Logs, "CloudWatch Logs quotas": FilterLogEvents 5 per second per account and region.
 */
export const AWS_PROFILE: AwsProfile = {
  name: 'aws',
  roundTripMs: 30,
  seconds: {
    roleUsable: 8,
    policyAttachable: 2,
    tableCreating: 6,
    tableUpdating: 4,
    functionPending: 2,
    functionUpdating: 2,
    mappingCreating: 5,
    mappingUpdating: 5,
    permissionVisible: 2,
  },
  quotas: [
    { service: 'apigateway', operation: 'CreateRestApi', count: 1, seconds: 3, burst: 1 },
    { service: 'apigateway', operation: 'DeleteRestApi', count: 1, seconds: 30, burst: 1 },
    { service: 'apigateway', operation: 'GetResources', count: 5, seconds: 2, burst: 5 },
    { service: 'apigateway', operation: 'CreateDeployment', count: 1, seconds: 5, burst: 1 },
    { service: 'apigateway', count: 10, seconds: 1, burst: 40 },
    { service: 'lambda', operation: 'GetFunction', count: 100, seconds: 1, burst: 100 },
    { service: 'lambda', operation: 'GetPolicy', count: 15, seconds: 1, burst: 15 },
    { service: 'lambda', others: true, except: ['Invoke', 'InvokeAsync', 'InvokeWithResponseStream'], count: 15, seconds: 1, burst: 15 },
    { service: 'logs', operation: 'FilterLogEvents', count: 5, seconds: 1, burst: 5 },
  ],
};

/** The round-trip profile: every call 30 ms, nothing waits (the benchmark's default). */
export const ROUND_TRIP_PROFILE: AwsProfile = {
  name: 'round-trip',
  roundTripMs: 30,
  seconds: { roleUsable: 0, policyAttachable: 0, tableCreating: 0, tableUpdating: 0, functionPending: 0, functionUpdating: 0, mappingCreating: 0, mappingUpdating: 0, permissionVisible: 0 },
  quotas: [],
};

export const PROFILES: Record<string, AwsProfile> = { aws: AWS_PROFILE, 'round-trip': ROUND_TRIP_PROFILE };
